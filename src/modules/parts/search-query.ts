import type { operations } from '../../generated/api';

/** A search's parameters as the contract validated them. */
export type SearchQuery = NonNullable<operations['searchParts']['parameters']['query']>;
export type Sort = NonNullable<SearchQuery['sort']>;

/** The parameters that narrow a search besides its words. */
const FILTERS: (keyof SearchQuery)[] = ['partNumber', 'make', 'model', 'year', 'category', 'origin', 'condition', 'grade', 'priceMin', 'priceMax', 'sellerType', 'sellerId', 'city', 'inStock'];

/** Words and nothing else narrowing them, in one of the orders that read newest first. */
export const isBareTextNewestFirst = (q: SearchQuery, sort: Sort): boolean => Boolean(q.q) && (sort === 'relevance' || sort === 'newest') && !FILTERS.some((f) => q[f] !== undefined);
