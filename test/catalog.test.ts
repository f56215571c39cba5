import { v7 as uuidv7 } from 'uuid';
import { insertListings } from '../src/seed/bulk-load';
import type { PartInput } from '../src/modules/parts/rules';
import { catalogPart, seedCatalog } from '../src/seed/catalog';
import { useTestContext } from './helpers/context';
import { createSeller, partInput, type TestUser } from './helpers/factories';

const ctx = useTestContext();
let seller: TestUser & { sellerId: string };
beforeAll(async () => {
  seller = await createSeller(ctx, { profile: { sellerType: 'scrapyard', city: 'Agadir' } });
});

describe('the bulk loader used by the seed', () => {
  it('stores a listing exactly as the API does, searchable the same ways', async () => {
    const input = partInput({
      title: 'Démarreur reconditionné Kangoo',
      category: 'electrical',
      condition: 'refurbished',
      partNumbers: [{ number: '77 00 854 525', kind: 'oem' }, { number: 'VL-458 123', kind: 'interchange' }],
      coreCharge: { amount: 15000, currency: 'MAD' },
      fitment: [{ make: 'Renault', model: 'Kangoo', yearFrom: 2008, yearTo: 2015, engine: '1.5 dCi' }],
      images: ['https://img.example.ma/demarreur.jpg'],
    }) as unknown as PartInput;
    const viaApi = (await ctx.http().post('/api/v1/parts').set(seller.auth).send(input).expect(201)).body;
    const id = uuidv7();
    await insertListings(ctx.db, [{ id, sellerId: seller.sellerId, sellerType: 'scrapyard', sellerLegalName: viaApi.seller.legalName, sellerCity: viaApi.seller.city, createdAt: new Date().toISOString(), input: { ...input, status: 'active' } }]);
    const viaBulk = (await ctx.http().get(`/api/v1/parts/${id}`).expect(200)).body;
    const strip = (p: Record<string, unknown>) => ({ ...p, id: undefined, createdAt: undefined, updatedAt: undefined });
    expect(strip(viaBulk)).toEqual(strip(viaApi));

    for (const query of [{ q: 'demarreur kang' }, { partNumber: 'vl458123' }, { make: 'renault', model: 'kangoo', year: 2010 }, { city: 'casablanca', condition: 'refurbished' }]) {
      const found = (await ctx.http().get('/api/v1/parts').query({ ...query, limit: 100 }).expect(200)).body.data.map((p: { id: string }) => p.id);
      expect(found).toEqual(expect.arrayContaining([id, viaApi.id]));
    }
  });
});

describe('the demo catalogue', () => {
  const sellers = [
    { id: '01a20000-0000-7000-8000-000000000001', sellerType: 'dealer', legalName: 'Atlas Auto', city: 'Casablanca' },
    { id: '01a20000-0000-7000-8000-000000000002', sellerType: 'scrapyard', legalName: 'Casse Souss', city: 'Agadir' },
  ];

  it('is deterministic: the same index always gives the same listing', () => {
    expect(catalogPart(4242, sellers)).toEqual(catalogPart(4242, sellers));
    expect(catalogPart(4242, sellers)).not.toEqual(catalogPart(4243, sellers));
  });

  it('produces listings the API itself would accept, with cross references between offers', () => {
    const parts = Array.from({ length: 3000 }, (_, i) => catalogPart(i, sellers));
    for (const { input } of parts.slice(0, 300)) {
      expect(input.condition === 'used').toBe(Boolean(input.grade));
      for (const f of input.fitment ?? []) expect(f.yearFrom).toBeLessThanOrEqual(f.yearTo);
      expect(Number.isInteger(input.price.amount) && input.price.amount > 0).toBe(true);
    }
    const oemNumbers = new Map<string, number>();
    for (const { input } of parts) {
      for (const n of input.partNumbers) if (n.kind !== 'aftermarket') oemNumbers.set(n.number, (oemNumbers.get(n.number) ?? 0) + 1);
    }
    expect(Math.max(...oemNumbers.values())).toBeGreaterThan(1);
  });

  it('tops up to the requested size and adds nothing when it is reached', async () => {
    const verified = [{ id: seller.sellerId, sellerType: 'scrapyard', legalName: 'Casse Souss', city: 'Agadir' }];
    const before = Number(((await ctx.db('parts').count({ n: '*' })) as { n: number | string }[])[0]?.n);
    expect(await seedCatalog(ctx.db, verified, before + 40)).toBe(40);
    expect(await seedCatalog(ctx.db, verified, before + 40)).toBe(0);
    const makes = (await ctx.http().get('/api/v1/vehicles/makes').expect(200)).body.data;
    expect(makes.length).toBeGreaterThan(3);
  });
});
