import type { Knex } from 'knex';
import { dialectOf, type Db } from '../../db/knex';
import { MAX_QUERY_TOKENS, searchTokens } from './normalize';

/**
 * Full-text search behind one interface with the same semantics on both databases: every word
 * of the query must match a whole word, the last one also the start of a word (folded case and accents). PostgreSQL keeps a
 * weighted tsvector on the row; SQLite an FTS5 table keyed by the row's search_rowid. Entries are
 * written with the listing, by the listing store (listing-store.ts).
 */
export interface SearchIndex {
  /** SQL condition: the row matches every query word, in any indexed field (`wholeWords`: no prefix on the last). */
  matches(db: Db, query: string, wholeWords?: boolean): Knex.Raw | null;
}

/**
 * Query words and whether each may match the start of a word: only the last one, as the user may
 * still be typing it ("plaquettes frein av"); the others must be whole words. Prefix matching every
 * word costs several times more at a million listings and finds little more.
 */
export function terms(query: string): { word: string; prefix: boolean }[] {
  const words = searchTokens(query).slice(0, MAX_QUERY_TOKENS);
  return words.map((word, i) => ({ word, prefix: i === words.length - 1 && word.length > 1 }));
}

function postgresIndex(): SearchIndex {
  return {
    matches: (db, query, wholeWords = false) => {
      const words = terms(query);
      if (words.length === 0) return null;
      const tsquery = words.map(({ word, prefix }) => `${word}${prefix && !wholeWords ? ':*' : ''}`).join(' & ');
      return db.raw("parts.search_vector @@ to_tsquery('simple', ?)", [tsquery]);
    },
  };
}

function sqliteIndex(): SearchIndex {
  return {
    matches: (db, query, wholeWords = false) => {
      const words = terms(query);
      if (words.length === 0) return null;
      const expression = words.map(({ word, prefix }) => `"${word}"${prefix && !wholeWords ? '*' : ''}`).join(' ');
      return db.raw('parts.search_rowid IN (SELECT rowid FROM parts_fts WHERE parts_fts MATCH ?)', [expression]);
    },
  };
}

export function createSearchIndex(db: Db): SearchIndex {
  return dialectOf(db) === 'postgresql' ? postgresIndex() : sqliteIndex();
}
