import type request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { dialectOf } from '../src/db/knex';
import type { PartInput } from '../src/modules/parts/rules';
import { insertListings, type NewPart } from '../src/seed/bulk-load';
import { useTestContext } from './helpers/context';
import { createSeller, partInput } from './helpers/factories';

// Small limits, so that a few hundred listings are "many": the same code bounds a million.
const ctx = useTestContext({ SEARCH_WINDOW: '100', SEARCH_SCAN_LIMIT: '150' });
/** Oldest first, as inserted. */
const listings: { id: string; price: number; category: string; rare: boolean }[] = [];

beforeAll(async () => {
  const seller = await createSeller(ctx);
  const parts: NewPart[] = [];
  for (let i = 0; i < 400; i += 1) {
    // One listing in a hundred is "rare", an engine part: a filter that few text matches pass.
    const rare = i % 100 === 7;
    const category = rare ? 'engine' : i % 2 === 0 ? 'brakes' : 'filters';
    const price = 1000 + ((i * 7919) % 400) * 10;
    const input = partInput({ title: `Disque commun ${i}`, description: rare ? 'Modèle rare.' : 'Pièce.', category, price: { amount: price, currency: 'MAD' }, status: 'active' }) as unknown as PartInput;
    const id = uuidv7();
    parts.push({ id, sellerId: seller.sellerId, sellerType: 'retailer', sellerLegalName: 'Bounded SARL', sellerCity: 'Rabat', createdAt: new Date().toISOString(), input });
    listings.push({ id, price, category, rare });
  }
  await insertListings(ctx.db, parts);
});

type Page = { data: { id: string; price: { amount: number } }[]; nextCursor: string | null; facets?: { category: { value: string; count: number }[]; complete: boolean } };

const search = async (query: Record<string, string | number | boolean>): Promise<Page> => (await ctx.http().get('/api/v1/parts').query(query).expect(200)).body as Page;

async function allPages(query: Record<string, string | number | boolean>): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const res: request.Response = await ctx.http().get('/api/v1/parts').query({ ...query, ...(cursor ? { cursor } : {}) }).expect(200);
    pages.push(res.body as Page);
    cursor = res.body.nextCursor;
  } while (cursor && pages.length < 100);
  return { ids: pages.flatMap((p) => p.data.map((d) => d.id)), pages };
}

describe('a search costs the same however many listings match', () => {
  it('counts facets over the newest window of matches and says the counts are partial', async () => {
    const broad = await search({ q: 'disque commun', facets: true, limit: 1 });
    expect(broad.facets?.complete).toBe(false);
    expect(broad.facets?.category.reduce((sum, f) => sum + f.count, 0)).toBe(100);
    // Without words too: the newest hundred listings of the catalogue.
    const newest = listings.slice(-100);
    const all = await search({ facets: true, limit: 1 });
    const count = (category: string) => ({ value: category, count: newest.filter((l) => l.category === category).length });
    expect(all.facets).toMatchObject({ complete: false, category: [count('brakes'), count('engine'), count('filters')] });
    // A narrow search is counted whole.
    const narrow = await search({ q: 'rare', facets: true, limit: 1 });
    expect(narrow.facets).toMatchObject({ complete: true, category: [{ value: 'engine', count: 4 }] });
  });

  it('answers words the index cannot hold (a symbol alone) as a search without words (found by the fuzz: once a 500)', async () => {
    const res = await search({ q: '\uFFFD', limit: 5 });
    expect(res.data.map((d) => d.id)).toEqual(listings.slice(-5).reverse().map((l) => l.id));
  });

  it('sorts the newest window of matches by price when the words match more than it holds', async () => {
    const window = listings.slice(-100);
    const { ids, pages } = await allPages({ q: 'disque', sort: 'price', limit: 30 });
    expect(new Set(ids)).toEqual(new Set(window.map((l) => l.id)));
    const prices = pages.flatMap((p) => p.data.map((d) => d.price.amount));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    // Fewer matches than the window: every one, exactly.
    const rare = await allPages({ q: 'rare', sort: '-price', limit: 2 });
    expect(rare.ids.sort()).toEqual(listings.filter((l) => l.rare).map((l) => l.id).sort());
  });

  it('ends a page early when filters reject most matches, and its cursor goes on to every one of them', async () => {
    // "disque" matches all 400, newest first; only 4 are engine parts, spread over the catalogue.
    const { ids, pages } = await allPages({ q: 'disque', category: 'engine', sort: 'newest', limit: 10 });
    expect(ids).toEqual(listings.filter((l) => l.rare).reverse().map((l) => l.id));
    // On SQLite the walk's scan limit (150 matches per request) ended pages before they were full;
    // PostgreSQL's planner reads the category first here, and fills its pages.
    if (dialectOf(ctx.db) === 'sqlite') expect(pages.some((p) => p.nextCursor !== null && p.data.length < 10)).toBe(true);
    // Relevance reads the same way, tier by tier.
    expect((await allPages({ q: 'disque', category: 'engine', limit: 3 })).ids).toEqual(ids);
  });
});
