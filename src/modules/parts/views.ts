import type { QueryBuilder } from 'objection';
import type { Db } from '../../db/knex';
import { pageNewestFirst, type PageRequest } from '../../db/paging';
import type { Page } from '../../http/pagination';
import type { Part} from './part.model';
import { type PartSellerView, type PartView } from './part.model';

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

export async function toPartViews(db: Db, parts: Part[]): Promise<PartView[]> {
  const sellers = await sellerViews(db, parts.map((p) => p.sellerId));
  return parts.map((p) => p.toView(sellers.get(p.sellerId) as PartSellerView));
}

export async function pagePartsNewestFirst(db: Db, query: QueryBuilder<Part, Part[]>, request: PageRequest): Promise<Page<PartView>> {
  const page = await pageNewestFirst(query, request, (p) => p, 'parts.id');
  return { data: await toPartViews(db, page.data), nextCursor: page.nextCursor };
}
