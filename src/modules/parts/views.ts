import type { QueryBuilder } from 'objection';
import { directReadById } from '../../db/direct-read';
import type { Db } from '../../db/knex';
import type { Queryable } from '../../db/tx';
import { pageNewestFirst, type PageRequest } from '../../http/keyset-paging';
import type { Page } from '../../http/pagination';
import { Part, PART_READ_COLUMNS, partEtag, partView, type PartColumns, type PartSellerView, type PartView } from './part.model';

/** The seller summary shown on each listing, loaded once for a page of listings. */
export async function sellerViews(db: Queryable, sellerIds: string[]): Promise<Map<string, PartSellerView>> {
  const ids = [...new Set(sellerIds)];
  const rows = ids.length
    ? ((await db('seller_profiles').whereIn('id', ids).select('id', 'legal_name', 'seller_type', 'city')) as {
        id: string;
        legal_name: string;
        seller_type: PartSellerView['sellerType'];
        city: string;
      }[])
    : [];
  return new Map(rows.map((r) => [r.id, { id: r.id, legalName: r.legal_name, sellerType: r.seller_type, city: r.city }]));
}

/** Listings buyers can see: active, of a verified seller whose account is active. */
export const onMarket = (db: Queryable) => db('parts').where('parts.status', 'active').where('parts.seller_listed', true);

/** Full listings for ids found by an index-only query, in the order of `ids`. */
export async function readPartViewsInOrder(db: Queryable, ids: string[]): Promise<PartView[]> {
  const byId = new Map((await Part.read(db).whereIn('parts.id', ids)).map((p) => [p.id, p]));
  return toPartViews(db, ids.map((id) => byId.get(id)).filter((p): p is Part => p !== undefined));
}

export async function toPartViews(db: Queryable, parts: Part[]): Promise<PartView[]> {
  const sellers = await sellerViews(db, parts.map((p) => p.sellerId));
  return parts.map((p) => p.toView(sellers.get(p.sellerId) as PartSellerView));
}

export async function pagePartsNewestFirst(db: Queryable, query: QueryBuilder<Part, Part[]>, request: PageRequest): Promise<Page<PartView>> {
  const page = await pageNewestFirst(query, request, (p) => p, 'parts.id');
  return { data: await toPartViews(db, page.data), nextCursor: page.nextCursor };
}

/**
 * A listing and its seller's summary by id, in one constant SQL statement run on the driver (the
 * query builder costs several times the query here; see direct-read.ts). The seller's columns come from scalar
 * subqueries rather than a join: SQLite reads a wide row several times slower through a join
 * (36 µs against 11 µs here), and PostgreSQL plans both alike.
 */
const sellerColumn = (column: string, alias: string) => `(SELECT ${column} FROM seller_profiles WHERE seller_profiles.id = parts.seller_id) AS "${alias}"`;
// Columns aliased to the model's property names, so the row is the model without a mapping pass.
const asProperty = (column: string) => `${column} AS "${column.replace(/^parts\./, '').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}"`;
const PART_WITH_SELLER = `SELECT ${PART_READ_COLUMNS.map(asProperty).join(', ')},
  ${sellerColumn('legal_name', 'sellerLegalName')}, ${sellerColumn('city', 'sellerCity')}, ${sellerColumn('user_id', 'sellerUserId')}
  FROM parts`;

type PartWithSellerRow = PartColumns & { sellerLegalName: string; sellerCity: string; sellerUserId: string };

/** A listing by id with what deciding its visibility needs; its view is built from the row itself. */
export interface PartWithSeller {
  view: PartView;
  etag: string;
  onMarket: boolean;
  sellerUserId: string;
}

export function partWithSellerReader(db: Db): (partId: string) => Promise<PartWithSeller | null> {
  const read = directReadById<PartWithSellerRow>(db, { name: 'part_with_seller', select: PART_WITH_SELLER, idColumn: 'parts.id', idOf: (row) => row.id });
  return async (partId) => {
    const row = await read(partId);
    if (!row) return null;
    return {
      view: partView(row, { id: row.sellerId, legalName: row.sellerLegalName, sellerType: row.sellerType, city: row.sellerCity }),
      etag: partEtag(row.version),
      onMarket: row.status === 'active' && Boolean(row.sellerListed),
      sellerUserId: row.sellerUserId,
    };
  };
}
