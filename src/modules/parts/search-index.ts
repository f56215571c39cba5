import type { Knex } from 'knex';
import { dialectOf, type Db } from '../../db/knex';
import { MAX_QUERY_TOKENS, searchDocument, searchTokens } from './normalize';

type IndexedPart = Parameters<typeof searchDocument>[0] & { id: string };

/**
 * Full-text search behind one interface with the same semantics on both databases: every word
 * of the query must match a word or the start of one (folded case and accents). PostgreSQL keeps a
 * weighted tsvector on the row; SQLite an FTS5 table keyed by the row's search_rowid.
 */
export interface SearchIndex {
  /** Values to store with the row on insert (search_rowid or search_vector). */
  columnsFor(trx: Db, part: IndexedPart): Promise<Record<string, unknown>>;
  /** Re-index an existing row after its text changed. */
  update(trx: Db, part: IndexedPart): Promise<void>;
  /** SQL condition: the row matches every query word, anywhere (or in the title only). */
  matches(db: Db, query: string, titleOnly?: boolean): Knex.Raw | null;
}

/** `brake pads` → the FTS5 or tsquery form of "brake* AND pads*" (single letters match whole words only). */
function terms(query: string): string[] {
  return searchTokens(query).slice(0, MAX_QUERY_TOKENS);
}

function postgresIndex(): SearchIndex {
  const vector = (trx: Db, part: IndexedPart) => {
    const doc = searchDocument(part);
    return trx.raw("setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B')", [doc.title, doc.body]);
  };
  return {
    columnsFor: async (trx, part) => ({ search_vector: vector(trx, part) }),
    update: async (trx, part) => {
      await trx('parts').where({ id: part.id }).update({ search_vector: vector(trx, part) });
    },
    matches: (db, query, titleOnly = false) => {
      const words = terms(query);
      if (words.length === 0) return null;
      const tsquery = words.map((w) => (w.length > 1 ? `${w}:*` : w) + (titleOnly ? (w.length > 1 ? 'A' : ':A') : '')).join(' & ');
      return db.raw("parts.search_vector @@ to_tsquery('simple', ?)", [tsquery]);
    },
  };
}

function sqliteIndex(): SearchIndex {
  const write = async (trx: Db, rowid: number, part: IndexedPart) => {
    const doc = searchDocument(part);
    await trx.raw('INSERT INTO parts_fts(rowid, title, body) VALUES (?, ?, ?)', [rowid, doc.title, doc.body]);
  };
  return {
    columnsFor: async (trx, part) => {
      // SQLite has a single writer, so max + 1 inside the write transaction cannot collide.
      const row = (await trx('parts').max({ max: 'search_rowid' }).first()) as { max: number | null } | undefined;
      const rowid = (row?.max ?? 0) + 1;
      await write(trx, rowid, part);
      return { search_rowid: rowid };
    },
    update: async (trx, part) => {
      const row = (await trx('parts').select('search_rowid').where({ id: part.id }).first()) as { search_rowid: number };
      await trx.raw('DELETE FROM parts_fts WHERE rowid = ?', [row.search_rowid]);
      await write(trx, row.search_rowid, part);
    },
    matches: (db, query, titleOnly = false) => {
      const words = terms(query);
      if (words.length === 0) return null;
      const expression = words.map((w) => (w.length > 1 ? `"${w}"*` : `"${w}"`)).join(' ');
      return db.raw('parts.search_rowid IN (SELECT rowid FROM parts_fts WHERE parts_fts MATCH ?)', [titleOnly ? `title : (${expression})` : expression]);
    },
  };
}

export function createSearchIndex(db: Db): SearchIndex {
  return dialectOf(db) === 'postgresql' ? postgresIndex() : sqliteIndex();
}
