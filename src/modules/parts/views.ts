import type { QueryBuilder } from 'objection';
import { directRead } from '../../db/direct-read';
import type { Db } from '../../db/knex';
import { pageNewestFirst, type PageRequest } from '../../db/paging';
import type { Page } from '../../http/pagination';
import { Part, PART_READ_COLUMNS, type PartSellerView, type PartView } from './part.model';

/** The seller summary shown on each listing, loaded once for a page of listings. */
export async function sellerViews(db: Db, sellerIds: string[]): Promise<Map<string, PartSellerView>> {
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
export const onMarket = (db: Db) => db('parts').where('parts.status', 'active').where('parts.seller_listed', true);

/** Full listings for ids found by an index-only query, in the order of `ids`. */
export async function readPartViewsInOrder(db: Db, ids: string[]): Promise<PartView[]> {
  const byId = new Map((await Part.read(db).whereIn('parts.id', ids)).map((p) => [p.id, p]));
  return toPartViews(db, ids.map((id) => byId.get(id)).filter((p): p is Part => p !== undefined));
}

export async function toPartViews(db: Db, parts: Part[]): Promise<PartView[]> {
  const sellers = await sellerViews(db, parts.map((p) => p.sellerId));
  return parts.map((p) => p.toView(sellers.get(p.sellerId) as PartSellerView));
}

export async function pagePartsNewestFirst(db: Db, query: QueryBuilder<Part, Part[]>, request: PageRequest): Promise<Page<PartView>> {
  const page = await pageNewestFirst(query, request, (p) => p, 'parts.id');
  return { data: await toPartViews(db, page.data), nextCursor: page.nextCursor };
}

/**
 * A listing and its seller's summary by id, in one constant SQL statement run on the driver (the
 * query builder costs several times the query here). The seller's columns come from scalar
 * subqueries rather than a join: SQLite reads a wide row several times slower through a join
 * (36 µs against 11 µs here), and PostgreSQL plans both alike.
 */
const sellerColumn = (column: string, alias: string) => `(SELECT ${column} FROM seller_profiles WHERE seller_profiles.id = parts.seller_id) AS ${alias}`;
const PART_WITH_SELLER_SQL = `SELECT ${PART_READ_COLUMNS.join(', ')}, ${sellerColumn('legal_name', 'seller_legal_name')}, ${sellerColumn('city', 'seller_city')}, ${sellerColumn('user_id', 'seller_user_id')}
  FROM parts WHERE parts.id = ?`;

export type PartWithSeller = { part: Part; seller: { userId: string; summary: PartSellerView } };

export function partWithSellerReader(db: Db): (partId: string) => Promise<PartWithSeller | null> {
  const read = directRead<Record<string, unknown>>(db, 'part_with_seller', PART_WITH_SELLER_SQL);
  return async (partId) => {
    const row = await read([partId]);
    if (!row) return null;
    const part = Part.fromDatabaseJson(row);
    return {
      part,
      seller: {
        userId: String(row.seller_user_id),
        summary: { id: part.sellerId, legalName: String(row.seller_legal_name), sellerType: part.sellerType, city: String(row.seller_city) },
      },
    };
  };
}
