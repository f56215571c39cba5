import type { Knex } from 'knex';
import { dialectOf, type Db } from '../../db/knex';
import type { Tx } from '../../db/tx';
import { MAX_QUERY_TOKENS, searchDocument, searchTokens } from './normalize';

type IndexedPart = Parameters<typeof searchDocument>[0] & { id: string };

/**
 * Full-text search behind one interface with the same semantics on both databases: every word
 * of the query must match a whole word, the last one also the start of a word (folded case and accents). PostgreSQL keeps a
 * weighted tsvector on the row; SQLite an FTS5 table keyed by the row's search_rowid.
 */
export interface SearchIndex {
  /** Values to store with the row on insert (search_rowid or search_vector). */
  columnsFor(tx: Tx, part: IndexedPart): Promise<Record<string, unknown>>;
  /** Re-index an existing row after its text changed. */
  update(tx: Tx, part: IndexedPart): Promise<void>;
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
  const vector = (tx: Tx, part: IndexedPart) => {
    const doc = searchDocument(part);
    return tx.raw("setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B')", [doc.title, doc.body]);
  };
  return {
    columnsFor: async (tx, part) => ({ search_vector: vector(tx, part) }),
    update: async (tx, part) => {
      await tx('parts').where({ id: part.id }).update({ search_vector: vector(tx, part) });
    },
    matches: (db, query, wholeWords = false) => {
      const words = terms(query);
      if (words.length === 0) return null;
      const tsquery = words.map(({ word, prefix }) => `${word}${prefix && !wholeWords ? ':*' : ''}`).join(' & ');
      return db.raw("parts.search_vector @@ to_tsquery('simple', ?)", [tsquery]);
    },
  };
}

function sqliteIndex(): SearchIndex {
  const write = async (tx: Tx, rowid: number, part: IndexedPart) => {
    const doc = searchDocument(part);
    await tx.raw('INSERT INTO parts_fts(rowid, title, body) VALUES (?, ?, ?)', [rowid, doc.title, doc.body]);
  };
  return {
    columnsFor: async (tx, part) => {
      // SQLite has a single writer, so max + 1 inside the write transaction cannot collide.
      const row = (await tx('parts').max({ max: 'search_rowid' }).first()) as { max: number | null } | undefined;
      const rowid = (row?.max ?? 0) + 1;
      await write(tx, rowid, part);
      return { search_rowid: rowid };
    },
    update: async (tx, part) => {
      const row = (await tx('parts').select('search_rowid').where({ id: part.id }).first()) as { search_rowid: number };
      await tx.raw('DELETE FROM parts_fts WHERE rowid = ?', [row.search_rowid]);
      await write(tx, row.search_rowid, part);
    },
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
