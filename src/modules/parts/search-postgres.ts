import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { withTx } from '../../db/tx';
import { estimatedMatches, terms, type SearchIndex } from './search-index';

/**
 * PostgreSQL plans for a bare text search (no other filter), in the relevance or newest order.
 * Its word index (GIN) hands matches out in no useful order: the planner gathers every match,
 * then sorts. For common words reading the listings newest first and stopping after the page is
 * far cheaper; these functions decide when, and read that way.
 */

/** How many of the newest listings the first try reads: a page of any word in 0.4 % of listings fills within it. */
const NEWEST_WINDOW = 5000;

/**
 * The page read from the newest `NEWEST_WINDOW` listings after the cursor, in one statement
 * (about a millisecond; nothing to plan but a primary-key walk, which stops once the page is full).
 * Null when the window holds less than a page of the tier being read: then an older listing may
 * belong on the page, and the caller asks the planner. A full page is exactly the page the whole
 * catalogue gives: every listing newer than its last one was in the window and was checked.
 */
async function pageFromNewestWindow(
  db: Db,
  unmatched: Knex.QueryBuilder,
  match: Knex.Raw,
  title: Knex.Raw | null,
  after: Record<string, string | number> | null,
  want: number,
): Promise<Record<string, unknown>[] | null> {
  const window = unmatched.clone().select('parts.id', 'parts.search_vector', 'parts.title_search').orderBy('parts.id', 'desc').limit(NEWEST_WINDOW);
  if (after) window.where('parts.id', '<', String(after.id));
  // Named like the table, so the match and title conditions read its columns unchanged.
  const page = db.from(window.as('parts')).select('parts.id').whereRaw('?', [match]).orderBy('parts.id', 'desc').limit(want);
  if (title) {
    const tier = after ? Number(after.s) : 1;
    page.select(db.raw('? AS relevance', [tier])).whereRaw(tier === 1 ? '?' : 'NOT (?)', [title]);
  }
  const rows = (await page) as Record<string, unknown>[];
  return rows.length >= want ? rows : null;
}

const BROAD_MATCHES = 1000;

/**
 * Whether the words are common enough that walking the primary key beats the planner's plan.
 * PostgreSQL misjudges how many listings common words match together (it multiplies their
 * frequencies) and then visits every hit in the heap before sorting: ~100 ms for 13,000 hits.
 */
async function isBroadTextSearch(db: Db, index: SearchIndex, words: string): Promise<boolean> {
  // Whole words only: a prefix makes PostgreSQL's index scan itself slow, and the probe is only a hint.
  const match = index.matches(db, words, true);
  if (!match) return false;
  // The planner's own estimate, from the word statistics ANALYZE keeps, is a fraction of a
  // millisecond where counting the first thousand hits in the index takes 3 to 18. It is right
  // for one word; for several it multiplies their frequencies and underestimates, so an estimate
  // below the mark is checked by counting.
  if ((await estimatedMatches(db, match)) >= BROAD_MATCHES) return true;
  if (terms(words).length < 2) return false;
  const probe = (await db.raw(`SELECT count(*) AS n FROM (SELECT 1 FROM parts WHERE ? LIMIT ${BROAD_MATCHES}) AS hits`, [match])) as { rows: { n: string | number }[] };
  return Number(probe.rows[0]?.n) >= BROAD_MATCHES;
}

/** The same page as the relevance or newest ordering gives, read tier by tier in primary-key order. */
async function walkNewestFirstByTier(db: Db, base: Knex.QueryBuilder, title: Knex.Raw | null, after: Record<string, string | number> | null, want: number): Promise<Record<string, unknown>[]> {
  return withTx(db, async (tx) => {
    // The walk stops after a page of hits; the planner, which expects few, would otherwise pay for
    // a bitmap of all of them.
    await tx.raw('SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off');
    const rows: Record<string, unknown>[] = [];
    for (const tier of title ? [1, 0] : [null]) {
      if (rows.length >= want) break;
      if (tier !== null && after && tier > Number(after.s)) continue;
      const query = base.clone().transacting(tx).select('parts.id');
      if (title && tier !== null) {
        query.select(tx.raw('? AS relevance', [tier]));
        if (tier === 1) query.whereRaw('?', [title]);
        else query.whereRaw('NOT (?)', [title]);
      }
      const sameTier = after && (tier === null || tier === Number(after.s));
      if (sameTier) query.where('parts.id', '<', String(after.id));
      rows.push(...((await query.orderBy('parts.id', 'desc').limit(want - rows.length)) as Record<string, unknown>[]));
    }
    return rows;
  });
}

/**
 * The page of a bare text search (`words`, nothing else narrowing it) in the relevance (`title`
 * given) or newest order, or null when the planner's own plan is the right one: words rare
 * enough that gathering every match and sorting them is cheap.
 */
export async function bareTextPageOnPostgres(
  db: Db,
  index: SearchIndex,
  options: {
    words: string;
    /** Listings on the market, without the words. */
    unmatched: Knex.QueryBuilder;
    /** The same with the words as a condition (wrapped: a query is thenable, and awaiting one runs it). */
    matched: () => Promise<{ query: Knex.QueryBuilder }>;
    title: Knex.Raw | null;
    after: Record<string, string | number> | null;
    want: number;
  },
): Promise<Record<string, unknown>[] | null> {
  const { words, unmatched, matched, title, after, want } = options;
  const match = index.matches(db, words);
  if (!match) return null;
  const page = await pageFromNewestWindow(db, unmatched, match, title, after, want);
  if (page) return page;
  if (!(await isBroadTextSearch(db, index, words))) return null;
  return walkNewestFirstByTier(db, (await matched()).query, title, after, want);
}
