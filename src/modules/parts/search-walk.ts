import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import type { SearchIndex } from './search-index';

export interface WalkedPage {
  rows: Record<string, unknown>[];
  /** Where the next request resumes when the scan limit ended this one before the page was full. */
  resume: { id: string; s?: number } | null;
}

const firstRow = (result: unknown): Record<string, unknown> | undefined => (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows[0]) as Record<string, unknown> | undefined;

/**
 * SQLite: a text search's page in the relevance or newest order, read from the full-text index
 * newest first (its own order, by search rowid, which follows listing order) and joined to the
 * filtered listings, stopping after the page: the cost follows the page and the filters, not
 * the number of listings the words match. FTS5 hands its matches out in rowid order, so no
 * match beyond the page is read, let alone sorted.
 *
 * Relevance reads in two tiers (every word in the title, then the others), each newest first.
 * `after` is the last listing of the previous page (or where its scan stopped): the walk goes on
 * below its rowid, in its tier.
 */
export async function walkTextNewestFirst(
  db: Db,
  index: SearchIndex,
  options: {
    base: Knex.QueryBuilder;
    query: string;
    title: Knex.Raw | null;
    after: Record<string, string | number> | null;
    want: number;
    /** How many matches one request may examine when filters reject most of them: past it, the page ends early and resumes there. */
    scanLimit: number;
  },
): Promise<WalkedPage> {
  const { base, query, title, after, want, scanLimit } = options;
  const hits = index.hitsNewestFirst?.bind(index);
  if (!hits) throw new Error('walkTextNewestFirst needs a full-text index read in rowid order');
  let afterRowid: number | null = null;
  if (after) {
    const row = (await db('parts').select('search_rowid').where('id', String(after.id)).first()) as { search_rowid: number } | undefined;
    // Listings are never deleted, so a cursor's listing is always found; if not, nothing follows.
    if (!row) return { rows: [], resume: null };
    afterRowid = Number(row.search_rowid);
  }
  const rows: Record<string, unknown>[] = [];
  for (const tier of title ? [1, 0] : [null]) {
    if (tier !== null && after && tier > Number(after.s)) continue;
    const before = after && (tier === null || tier === Number(after.s)) ? afterRowid : null;
    const page = base
      .clone()
      .join(hits(db, query, { before, limit: scanLimit }) as Knex.Raw, 'parts.search_rowid', 'hits.r')
      .select('parts.id')
      .orderBy('hits.r', 'desc')
      .limit(want - rows.length);
    if (title && tier !== null) {
      page.select(db.raw('? AS relevance', [tier]));
      if (tier === 1) page.whereRaw('?', [title]);
      else page.whereRaw('NOT (?)', [title]);
    }
    rows.push(...((await page) as Record<string, unknown>[]));
    if (rows.length >= want) break;
    // The page is not full: this tier's matches are all read, or the scan limit stopped the read.
    const scan = firstRow(await db.raw(`SELECT count(*) AS n, min(r) AS last FROM ?`, [hits(db, query, { before, limit: scanLimit })]));
    if (Number(scan?.n) >= scanLimit) {
      const last = (await db('parts').select('id').where('search_rowid', Number(scan?.last)).first()) as { id: string };
      return { rows, resume: tier === null ? { id: last.id } : { id: last.id, s: tier } };
    }
  }
  return { rows, resume: null };
}
