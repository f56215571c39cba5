import type request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { insertListings, type NewPart } from '../src/seed/bulk-load';
import type { PartInput } from '../src/modules/parts/rules';
import { useTestContext } from './helpers/context';
import { createSeller, partInput } from './helpers/factories';

const ctx = useTestContext();
const expected: { id: string; inTitle: boolean }[] = [];

/**
 * Enough listings for a common word (over a thousand) that PostgreSQL takes its walking path for
 * bare text searches; SQLite answers the same queries its usual way. Both must give this order.
 */
beforeAll(async () => {
  const seller = await createSeller(ctx);
  const parts: NewPart[] = [];
  for (let i = 0; i < 1200; i += 1) {
    const inTitle = i % 3 !== 0;
    const input = partInput({
      title: inTitle ? `Courroie tendeur ${i}` : `Galet ${i}`,
      description: inTitle ? 'Pièce neuve.' : 'Compatible avec la courroie tendeur.',
      partNumbers: [{ number: `BRD-${i}`, kind: 'aftermarket' }],
      status: 'active',
    }) as unknown as PartInput;
    const id = uuidv7();
    parts.push({ id, sellerId: seller.sellerId, sellerType: 'retailer', sellerLegalName: 'Broad Search SARL', sellerCity: 'Rabat', createdAt: new Date().toISOString(), input });
    expected.push({ id, inTitle });
  }
  await insertListings(ctx.db, parts);
});

async function walk(query: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res: request.Response = await ctx.http().get('/api/v1/parts').query({ ...query, limit: 100, ...(cursor ? { cursor } : {}) }).expect(200);
    ids.push(...res.body.data.map((p: { id: string }) => p.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  return ids;
}

const newestFirst = (a: { id: string }, b: { id: string }) => (a.id < b.id ? 1 : -1);

describe('a text search matching over a thousand listings', () => {
  it('ranks title matches first, then newest, across every page', async () => {
    const order = [...expected.filter((e) => e.inTitle).sort(newestFirst), ...expected.filter((e) => !e.inTitle).sort(newestFirst)].map((e) => e.id);
    expect(await walk({ q: 'courroie tendeur' })).toEqual(order);
    // The last word as a prefix, which the newest-first reads on PostgreSQL handle too.
    expect(await walk({ q: 'courroie tend' })).toEqual(order);
  });

  it('lists newest first when asked, across every page', async () => {
    expect(await walk({ q: 'courroie tendeur', sort: 'newest' })).toEqual([...expected].sort(newestFirst).map((e) => e.id));
  });

  it('still honours other filters, which take the usual path', async () => {
    expect(await walk({ q: 'courroie', partNumber: 'BRD-7' })).toEqual([expected[7]!.id]);
  });
});
