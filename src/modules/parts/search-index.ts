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
  /**
   * The same, among the `newest` most recently listed matches only (visible or not): a bounded
   * candidate set. Async: on PostgreSQL, how the window is read depends on how common the words are.
   * Wrapped, as a query is thenable and resolving a promise with one would run it.
   */
  matchesAmongNewest(db: Db, query: string, newest: number): Promise<{ condition: Knex.Raw } | null>;
  /** How many listings match, counting no further than `limit` (the cost stops there too). */
  countUpTo(db: Db, query: string, limit: number): Promise<number>;
  /**
   * SQLite only: a derived table `hits(r)` of matching search rowids, newest first, below `before`
   * when given, at most `limit` of them: the full-text index read in its own order, so a page of
   * matches costs a page of reads however many listings match.
   */
  hitsNewestFirst?(db: Db, query: string, options: { before: number | null; limit: number }): Knex.Raw | null;
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

const countOf = (result: unknown): number => {
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  return Number((rows[0] as { n: number | string } | undefined)?.n ?? 0);
};

/**
 * PostgreSQL: how many listings the planner expects a condition to match, from the statistics
 * ANALYZE keeps (a fraction of a millisecond; nothing is read).
 */
export async function estimatedMatches(db: Db, condition: Knex.Raw): Promise<number> {
  const plan = (await db.raw('EXPLAIN (FORMAT JSON) SELECT 1 FROM parts WHERE ?', [condition])) as { rows: { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[] };
  return Number(plan.rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0);
}
/** Estimated matches from which reading newest first beats gathering every match (5 % of a million listings). */
const COMMON_WORDS = 50_000;

function postgresIndex(): SearchIndex {
  const tsquery = (query: string, wholeWords = false): string | null => {
    const words = terms(query);
    if (words.length === 0) return null;
    return words.map(({ word, prefix }) => `${word}${prefix && !wholeWords ? ':*' : ''}`).join(' & ');
  };
  return {
    matches: (db, query, wholeWords = false) => {
      const expression = tsquery(query, wholeWords);
      return expression === null ? null : db.raw("parts.search_vector @@ to_tsquery('simple', ?)", [expression]);
    },
    matchesAmongNewest: async (db, query, newest) => {
      const expression = tsquery(query);
      if (expression === null) return null;
      // Through the word index, PostgreSQL gathers every match before keeping the newest: seconds
      // for a word in a third of the listings, with the heap out of memory. When the words are that
      // common, walking the primary key newest first finds the window within a few thousand rows
      // (16 ms); the match is then written as the function behind `@@` (ts_match_vq), which the
      // word index cannot serve, so the planner is left that walk. For rarer words its own plan.
      const common = (await estimatedMatches(db, db.raw("search_vector @@ to_tsquery('simple', ?)", [expression]))) >= COMMON_WORDS;
      const match = common ? "ts_match_vq(search_vector, to_tsquery('simple', ?))" : "search_vector @@ to_tsquery('simple', ?)";
      return { condition: db.raw(`parts.id IN (SELECT id FROM parts WHERE ${match} ORDER BY id DESC LIMIT ${Math.trunc(newest)})`, [expression]) };
    },
    countUpTo: async (db, query, limit) => {
      const expression = tsquery(query);
      if (expression === null) return 0;
      return countOf(await db.raw(`SELECT count(*) AS n FROM (SELECT 1 FROM parts WHERE search_vector @@ to_tsquery('simple', ?) LIMIT ${Math.trunc(limit)}) AS hits`, [expression]));
    },
  };
}

function sqliteIndex(): SearchIndex {
  const ftsExpression = (query: string, wholeWords = false): string | null => {
    const words = terms(query);
    if (words.length === 0) return null;
    return words.map(({ word, prefix }) => `"${word}"${prefix && !wholeWords ? '*' : ''}`).join(' ');
  };
  return {
    matches: (db, query, wholeWords = false) => {
      const expression = ftsExpression(query, wholeWords);
      return expression === null ? null : db.raw('parts.search_rowid IN (SELECT rowid FROM parts_fts WHERE parts_fts MATCH ?)', [expression]);
    },
    matchesAmongNewest: async (db, query, newest) => {
      const expression = ftsExpression(query);
      if (expression === null) return null;
      return { condition: db.raw(`parts.search_rowid IN (SELECT rowid FROM parts_fts WHERE parts_fts MATCH ? ORDER BY rowid DESC LIMIT ${Math.trunc(newest)})`, [expression]) };
    },
    countUpTo: async (db, query, limit) => {
      const expression = ftsExpression(query);
      if (expression === null) return 0;
      return countOf(await db.raw(`SELECT count(*) AS n FROM (SELECT rowid FROM parts_fts WHERE parts_fts MATCH ? LIMIT ${Math.trunc(limit)})`, [expression]));
    },
    hitsNewestFirst: (db, query, { before, limit }) => {
      const expression = ftsExpression(query);
      if (expression === null) return null;
      const below = before === null ? '' : ' AND rowid < ?';
      return db.raw(`(SELECT rowid AS r FROM parts_fts WHERE parts_fts MATCH ?${below} ORDER BY rowid DESC LIMIT ${Math.trunc(limit)}) AS hits`, before === null ? [expression] : [expression, before]);
    },
  };
}

export function createSearchIndex(db: Db): SearchIndex {
  return dialectOf(db) === 'postgresql' ? postgresIndex() : sqliteIndex();
}
/**
 * True when every query word is in the title (the last also as the start of a word), read from the
 * folded title kept on the row, with the same rule as the full-text match on both databases.
 */
export function titleMatchesAll(db: Db, query: string): Knex.Raw | null {
  const words = terms(query);
  if (words.length === 0) return null;
  const likes = words.map(({ word, prefix }) => (prefix ? `% ${word}%` : `% ${word} %`));
  return db.raw(likes.map(() => "(' ' || parts.title_search || ' ') LIKE ?").join(' AND '), likes);
}
