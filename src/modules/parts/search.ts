import type { Knex } from 'knex';
import { dialectOf, type Db } from '../../db/knex';
import type { components } from '../../generated/api';
import { cursorField, decodeCursor, DEFAULT_LIMIT, encodeCursor, type CursorShape } from '../../http/pagination';
import { cityKey } from '../sellers/service';
import { normalizePartNumber, vehicleKey } from './normalize';
import type { PartView } from './part.model';
import { terms, titleMatchesAll, type SearchIndex } from './search-index';
import { bareTextPageOnPostgres } from './search-postgres';
import { isBareTextNewestFirst, type SearchQuery, type Sort } from './search-query';
import { walkTextNewestFirst } from './search-walk';
import { onMarket, type ReadPartViews } from './views';

export type { SearchQuery } from './search-query';
type Facets = components['schemas']['Facets'];

/** How far a part number reaches through cross references: enough for real catalogues, bounded for abuse. */
const MAX_EQUIVALENT_NUMBERS = 50;

/**
 * A number and those listed next to it on any listing (the listing says they are the same part).
 * One hop only: cross references of cross references drift to other parts.
 */
export async function equivalentNumbers(db: Db, partNumber: string): Promise<string[]> {
  const normalized = normalizePartNumber(partNumber);
  const rows = (await db('part_numbers')
    .distinct('normalized')
    .whereIn('part_id', db('part_numbers').select('part_id').where({ normalized }).limit(1000))
    .limit(MAX_EQUIVALENT_NUMBERS)) as { normalized: string }[];
  const numbers = rows.map((r) => r.normalized).filter((n) => n !== normalized);
  return [normalized, ...numbers.sort()];
}

const fitsVehicle = (q: SearchQuery): boolean => Boolean(q.make || q.model || q.year !== undefined);

/**
 * What one search may cost (config.search, documented in the contract): `window` is how many
 * listings a price-sorted text search or a facet count considers at most, the newest so many
 * matches (counting how many there are stops there too); `scanLimit` how many text matches one
 * page may examine (search-walk.ts).
 */
export interface SearchLimits {
  window: number;
  scanLimit: number;
}

/** The vehicle conditions of a search on `part_fitments` rows (the year within the fitment's range). */
function whereFits(fits: Knex.QueryBuilder, q: SearchQuery): Knex.QueryBuilder {
  if (q.make) fits.where('part_fitments.make_key', vehicleKey(q.make));
  if (q.model) fits.where('part_fitments.model_key', vehicleKey(q.model));
  if (q.year !== undefined) fits.where('part_fitments.year_from', '<=', q.year).where('part_fitments.year_to', '>=', q.year);
  return fits;
}

interface FilterOptions {
  /** The text condition: every match, the newest `window` matches only, or none (a walk applies it). */
  text: 'all' | 'window' | 'none';
  /**
   * The vehicle condition as a semi-join on the fitments matching the vehicle (`in`: read once,
   * right when the vehicle narrows the listings most) or checked listing by listing (`exists`:
   * right when listings come one by one from another index, as in the text walk).
   */
  fits: 'in' | 'exists';
}

/**
 * Visible listings narrowed by every filter except pagination: shared by the page and its facets;
 * `unfitted` is the same without the vehicle filter, which the fitment walk below applies itself.
 */
async function filtered(db: Db, index: SearchIndex, q: SearchQuery, limits: SearchLimits, options: FilterOptions & { numbers: string[] | null }): Promise<{ query: Knex.QueryBuilder; unfitted: Knex.QueryBuilder }> {
  const query = onMarket(db);
  if (q.q && options.text !== 'none') {
    const match = options.text === 'window' ? (await index.matchesAmongNewest(db, q.q, limits.window))?.condition : index.matches(db, q.q);
    if (match) query.whereRaw(match);
  }
  if (options.numbers) query.whereIn('parts.id', db('part_numbers').select('part_id').whereIn('normalized', options.numbers));
  const equal: [keyof SearchQuery, string][] = [
    ['category', 'category'],
    ['origin', 'origin'],
    ['condition', 'condition'],
    ['grade', 'grade'],
    ['sellerType', 'seller_type'],
    ['sellerId', 'seller_id'],
  ];
  for (const [param, column] of equal) if (q[param] !== undefined) query.where(`parts.${column}`, q[param] as string);
  if (q.city) query.where('parts.city_key', cityKey(q.city));
  if (q.priceMin !== undefined) query.where('parts.price_amount', '>=', q.priceMin);
  if (q.priceMax !== undefined) query.where('parts.price_amount', '<=', q.priceMax);
  if (q.inStock !== undefined) query.where('parts.quantity', q.inStock ? '>' : '=', 0);
  const unfitted = query.clone();
  if (fitsVehicle(q) && options.fits === 'in') query.whereIn('parts.id', whereFits(db('part_fitments').select('part_fitments.part_id'), q));
  if (fitsVehicle(q) && options.fits === 'exists') query.whereExists(whereFits(db('part_fitments').select(db.raw('1')).whereRaw('part_fitments.part_id = parts.id'), q));
  // Wrapped: a query builder is thenable, and returning it bare from an async function would run it.
  return { query, unfitted };
}

interface Ordering {
  /** Cursor fields, in sort order, with what each may hold. */
  fields: CursorShape;
  /** Columns the sort needs besides the id (kept minimal so indexes can answer alone). */
  keys: string[];
  apply(query: Knex.QueryBuilder, after: Record<string, string | number> | null): void;
  cursorOf(row: Record<string, unknown>): Record<string, string | number>;
}

/** Keyset orderings; every one ends on the id so ties are broken the same way on every page. */
function ordering(db: Db, index: SearchIndex, sort: Sort, q: SearchQuery): Ordering {
  if (sort === 'price' || sort === '-price') {
    const dir = sort === 'price' ? 'asc' : 'desc';
    const cmp = sort === 'price' ? '>' : '<';
    return {
      fields: { p: cursorField.amount, id: cursorField.id },
      keys: ['parts.price_amount'],
      apply: (query, after) => {
        if (after) query.where((w) => w.where('parts.price_amount', cmp, after.p as number).orWhere((t) => t.where('parts.price_amount', after.p as number).where('parts.id', cmp, after.id as string)));
        query.orderBy([{ column: 'parts.price_amount', order: dir }, { column: 'parts.id', order: dir }]);
      },
      cursorOf: (row) => ({ p: Number(row.price_amount), id: String(row.id) }),
    };
  }
  const titleMatch = sort === 'relevance' && q.q ? titleMatchesAll(db, q.q) : null;
  if (titleMatch) {
    // Relevance: listings with every word in the title first, then newest. It depends on the listing
    // alone (not on corpus statistics), so pages stay consistent while others are added.
    const score = db.raw('(CASE WHEN ? THEN 1 ELSE 0 END)', [titleMatch]);
    return {
      fields: { s: cursorField.oneOf(0, 1), id: cursorField.id },
      keys: [],
      apply: (query, after) => {
        query.select(db.raw('? AS relevance', [score]));
        if (after) query.where((w) => w.whereRaw('? < ?', [score, after.s as number]).orWhere((t) => t.whereRaw('? = ?', [score, after.s as number]).where('parts.id', '<', after.id as string)));
        query.orderByRaw('? DESC, parts.id DESC', [score]);
      },
      cursorOf: (row) => ({ s: Number(row.relevance), id: String(row.id) }),
    };
  }
  return {
    fields: { id: cursorField.id },
    keys: [],
    apply: (query, after) => {
      if (after) query.where('parts.id', '<', after.id as string);
      query.orderBy('parts.id', 'desc');
    },
    cursorOf: (row) => ({ id: String(row.id) }),
  };
}

/**
 * The three facets from one grouped scan of the result's newest `window` listings (a few
 * hundred groups at most), summed here. `complete` when that window held every match: the text
 * matches were no more than the window (`textComplete`), nor the listings passing the filters.
 */
async function facetCounts(db: Db, base: Knex.QueryBuilder, limits: SearchLimits, textComplete: boolean): Promise<Facets> {
  const newest = base.clone().clearSelect().clearOrder().select('parts.id', 'parts.category', 'parts.condition', 'parts.seller_type').orderBy('parts.id', 'desc');
  const rows = (await db
    .from(newest.clone().limit(limits.window).as('newest'))
    .select('category', 'condition', 'seller_type')
    .count({ n: '*' })
    .groupBy('category', 'condition', 'seller_type')) as { category: string; condition: string; seller_type: string; n: number | string }[];
  const counted = rows.reduce((sum, row) => sum + Number(row.n), 0);
  // Whether one more lies beyond the window: skipping the window in the same index (covering
  // the facet columns, so no row is read) costs less than numbering every row in one pass.
  const beyond = textComplete && counted >= limits.window && (await newest.clone().clearSelect().select('parts.id').offset(limits.window).limit(1)).length > 0;
  const tally = (key: 'category' | 'condition' | 'seller_type') => {
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row[key], (counts.get(row[key]) ?? 0) + Number(row.n));
    return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([value, count]) => ({ value, count }));
  };
  return { category: tally('category'), condition: tally('condition'), sellerType: tally('seller_type'), complete: textComplete && !beyond };
}

/**
 * PostgreSQL underestimates how many listings fit a popular model (it took 1,100 of the 9,000
 * that fit a Dacia Logan of 2015), so it checks every one of them before sorting: 30 ms; SQLite
 * reads every fitment of the model into a list first (5 ms, the slowest search under load). Newest
 * first, walking that model's fitments in listing-id order (part_fitments_model_walk_idx) and
 * stopping after the page takes under a millisecond. Needs the make and the model; not with a
 * text query, whose hits can be rare among them, where the walk would be the slow plan.
 */
function walksFitments(q: SearchQuery, sort: Sort): boolean {
  return sort === 'newest' && Boolean(q.make && q.model) && !q.q;
}

/** The page of the newest ordering, read through the fitments; a listing fitting twice counts once. */
async function walkFitmentsNewestFirst(unfitted: Knex.QueryBuilder, q: SearchQuery, after: Record<string, string | number> | null, want: number): Promise<Record<string, unknown>[]> {
  const ids: string[] = [];
  let before = after ? String(after.id) : null;
  for (;;) {
    const walk = whereFits(unfitted.clone().join('part_fitments', 'part_fitments.part_id', 'parts.id').select('parts.id'), q);
    if (before) walk.where('part_fitments.part_id', '<', before);
    const batch = want - ids.length;
    const rows = (await walk.orderBy('part_fitments.part_id', 'desc').limit(batch)) as { id: string }[];
    // Fitments of one listing come together in this order, so a repeat is always the previous id.
    for (const { id } of rows) if (ids[ids.length - 1] !== id) ids.push(id);
    const last = rows[rows.length - 1];
    if (rows.length < batch || ids.length >= want || !last) break;
    before = last.id;
  }
  return ids.map((id) => ({ id }));
}

/** True when the words match more listings than the window holds (counting stops just past it). */
async function beyondWindow(db: Db, index: SearchIndex, q: SearchQuery, limits: SearchLimits): Promise<boolean> {
  return Boolean(q.q) && (await index.countUpTo(db, q.q as string, limits.window + 1)) > limits.window;
}

/** What a search reads with: the database, its text index, the bounds of one search, and how a page's listings are read. */
export interface SearchContext {
  db: Db;
  index: SearchIndex;
  limits: SearchLimits;
  readViews: ReadPartViews;
}

export async function searchParts({ db, index, limits, readViews }: SearchContext, q: SearchQuery): Promise<{ data: PartView[]; nextCursor: string | null; facets?: Facets }> {
  const sort: Sort = q.sort ?? (q.q ? 'relevance' : 'newest');
  const limit = q.limit ?? DEFAULT_LIMIT;
  const order = ordering(db, index, sort, q);
  // The cursor names its sort, so a cursor from one ordering cannot be replayed on another.
  const after = decodeCursor(q.cursor, { ...order.fields, o: cursorField.oneOf(sort) });
  // Counted only where it changes something: the price sorts and the facets.
  const textBeyondWindow = (sort === 'price' || sort === '-price' || Boolean(q.facets)) && (await beyondWindow(db, index, q, limits));
  // Sorting by price means reading every candidate: with many matches, the newest window of them.
  const text = textBeyondWindow && (sort === 'price' || sort === '-price') ? 'window' : 'all';
  // Read once: every variant of the filters below uses the same numbers.
  const numbers = q.partNumber ? await equivalentNumbers(db, q.partNumber) : null;
  const filter = (options: FilterOptions) => filtered(db, index, q, limits, { ...options, numbers });
  let keys: Record<string, unknown>[] | null = null;
  let resume: { id: string; s?: number } | null = null;
  // Words the index cannot hold (symbols alone) leave no text condition: then the usual plan.
  const words = q.q && terms(q.q).length > 0 ? q.q : null;
  const title = words && sort === 'relevance' ? titleMatchesAll(db, words) : null;
  // The filters with the words as a condition, built when a plan or the facets use them (the text
  // walks apply the words themselves).
  let withWords: ReturnType<typeof filter> | undefined;
  const filters = () => (withWords ??= filter({ text, fits: 'in' }));
  if (words && index.hitsNewestFirst && (sort === 'relevance' || sort === 'newest')) {
    const { query: unmatched } = await filter({ text: 'none', fits: 'exists' });
    ({ rows: keys, resume } = await walkTextNewestFirst(db, index, { scanLimit: limits.scanLimit, base: unmatched, query: words, title, after, want: limit + 1 }));
  } else if (words && dialectOf(db) === 'postgresql' && isBareTextNewestFirst(q, sort)) {
    const { query: unmatched } = await filter({ text: 'none', fits: 'exists' });
    keys = await bareTextPageOnPostgres(db, index, { words, unmatched, matched: filters, title, after, want: limit + 1 });
  } else if (walksFitments(q, sort)) {
    keys = await walkFitmentsNewestFirst((await filters()).unfitted, q, after, limit + 1);
  }
  // Two steps: find the page's ids and sort keys from indexes alone, then read those few wide rows.
  if (!keys) {
    const page = (await filters()).query.clone().select('parts.id', ...order.keys);
    order.apply(page, after);
    keys = (await page.limit(limit + 1)) as Record<string, unknown>[];
  }
  const hasMore = keys.length > limit;
  const pageKeys = keys.slice(0, limit);
  const last = pageKeys[pageKeys.length - 1];
  let nextCursor: string | null = null;
  if (hasMore && last) nextCursor = encodeCursor({ ...order.cursorOf(last), o: sort });
  else if (resume) nextCursor = encodeCursor({ ...resume, o: sort });
  const result: { data: PartView[]; nextCursor: string | null; facets?: Facets } = {
    data: await readViews(pageKeys.map((k) => String(k.id))),
    nextCursor,
  };
  if (q.facets) {
    // The page's filters already bound the text to the window when it sorted by price.
    const counted = (await (textBeyondWindow && text !== 'window' ? filter({ text: 'window', fits: 'in' }) : filters())).query;
    result.facets = await facetCounts(db, counted, limits, !textBeyondWindow);
  }
  return result;
}
