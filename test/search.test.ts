import type { components } from '../src/generated/api';
import { useTestContext } from './helpers/context';
import { createPart, createSeller, partInput, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';

type Part = components['schemas']['Part'];
const ctx = useTestContext();
let dealer: TestUser & { sellerId: string };
let scrapyard: TestUser & { sellerId: string };
const parts: Record<string, Part> = {};

/** A small catalogue where each listing differs from the others on purpose. */
beforeAll(async () => {
  dealer = await createSeller(ctx, { profile: { sellerType: 'dealer', city: 'Casablanca' } });
  scrapyard = await createSeller(ctx, { profile: { sellerType: 'scrapyard', city: 'Agadir' } });
  parts.pads = await createPart(ctx, dealer, {
    title: 'Plaquettes de frein avant',
    brand: 'Bosch',
    origin: 'oem',
    partNumbers: [{ number: '41 06 000 Q0H', kind: 'oem' }, { number: '0 986 494 123', kind: 'interchange' }],
    price: { amount: 34900, currency: 'MAD' },
    fitment: [{ make: 'Dacia', model: 'Logan', yearFrom: 2012, yearTo: 2020 }],
  });
  parts.disc = await createPart(ctx, dealer, {
    title: 'Disque de frein ventilé',
    description: 'Compatible plaquettes Bosch',
    brand: 'Brembo',
    partNumbers: [{ number: '09.A727.11', kind: 'aftermarket' }],
    price: { amount: 52000, currency: 'MAD' },
    quantity: 0,
    fitment: [{ make: 'Renault', model: 'Clio', yearFrom: 2005, yearTo: 2012 }],
  });
  parts.alternator = await createPart(ctx, scrapyard, {
    title: 'Alternateur Citroën',
    category: 'electrical',
    brand: 'Valeo',
    condition: 'used',
    grade: 'B',
    partNumbers: [{ number: '5705.KZ', kind: 'oem' }],
    price: { amount: 80000, currency: 'MAD' },
    location: { city: 'Agadir', country: 'MA' },
    fitment: [{ make: 'Citroën', model: 'C3', yearFrom: 2009, yearTo: 2016 }],
  });
  parts.padsCopy = await createPart(ctx, scrapyard, {
    title: 'Jeu plaquettes arrière',
    brand: 'TRW',
    condition: 'refurbished',
    partNumbers: [{ number: '0986494123', kind: 'aftermarket' }],
    price: { amount: 19900, currency: 'MAD' },
    coreCharge: { amount: 20000, currency: 'MAD' },
    location: { city: 'Fès', country: 'MA' },
    fitment: [{ make: 'Dacia', model: 'Sandero', yearFrom: 2008, yearTo: 2012 }],
  });
  parts.draft = await createPart(ctx, dealer, { title: 'Plaquettes brouillon', status: 'draft' });
});

const search = async (query: Record<string, string | number | boolean>) => {
  const res = await ctx.http().get('/api/v1/parts').query(query);
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { data: Part[]; nextCursor: string | null; facets?: components['schemas']['Facets'] };
};
const titles = async (query: Record<string, string | number | boolean>) => (await search({ limit: 100, ...query })).data.map((p) => p.title).sort();
const T = (...keys: string[]) => keys.map((k) => (parts[k] as Part).title).sort();

describe('GET /api/v1/parts filters', () => {
  it('shows only active listings of verified sellers', async () => {
    expect(await titles({})).toEqual(T('pads', 'disc', 'alternator', 'padsCopy'));
  });

  it('q: every word must match a whole word, the last also the start of one, across title, description, brand and numbers, ignoring accents', async () => {
    expect(await titles({ q: 'plaquettes' })).toEqual(T('pads', 'disc', 'padsCopy'));
    expect(await titles({ q: 'frein plaq' })).toEqual(T('pads', 'disc'));
    expect(await titles({ q: 'plaq frein' })).toEqual([]);
    expect(await titles({ q: 'citroen' })).toEqual(T('alternator'));
    expect(await titles({ q: 'VENTILE' })).toEqual(T('disc'));
    expect(await titles({ q: 'valeo' })).toEqual(T('alternator'));
    expect(await titles({ q: '0986494123' })).toEqual(T('pads', 'padsCopy'));
    expect(await titles({ q: 'laquettes' })).toEqual([]);
    expect(await titles({ q: 'plaquettes "OR 1=1 -- *' })).toEqual([]);
  });

  it('partNumber: normalised, and through cross references', async () => {
    expect(await titles({ partNumber: '09-A727-11' })).toEqual(T('disc'));
    // pads lists 41 06 000 Q0H with 0 986 494 123 as interchange, so asking for either finds both offers.
    expect(await titles({ partNumber: '4106000q0h' })).toEqual(T('pads', 'padsCopy'));
    expect(await titles({ partNumber: '0986494123' })).toEqual(T('pads', 'padsCopy'));
    expect(await titles({ partNumber: 'NOPE-1' })).toEqual([]);
  });

  it('make, model and year: the year within a fitment range', async () => {
    expect(await titles({ make: 'dacia' })).toEqual(T('pads', 'padsCopy'));
    expect(await titles({ make: 'Dacia', model: 'Logan' })).toEqual(T('pads'));
    expect(await titles({ make: 'Dacia', model: 'Logan', year: 2012 })).toEqual(T('pads'));
    expect(await titles({ make: 'Dacia', model: 'Logan', year: 2011 })).toEqual([]);
    expect(await titles({ make: 'CITROEN', year: 2016 })).toEqual(T('alternator'));
    expect(await titles({ make: 'Dacia', year: 2010 })).toEqual(T('padsCopy'));
  });

  it('category, origin, condition and grade', async () => {
    expect(await titles({ category: 'electrical' })).toEqual(T('alternator'));
    expect(await titles({ category: 'brakes' })).toEqual(T('pads', 'disc', 'padsCopy'));
    expect(await titles({ origin: 'oem' })).toEqual(T('pads'));
    expect(await titles({ condition: 'refurbished' })).toEqual(T('padsCopy'));
    expect(await titles({ condition: 'used', grade: 'B' })).toEqual(T('alternator'));
    expect(await titles({ grade: 'A' })).toEqual([]);
  });

  it('price range, inclusive', async () => {
    expect(await titles({ priceMin: 34900, priceMax: 52000 })).toEqual(T('pads', 'disc'));
    expect(await titles({ priceMax: 19899 })).toEqual([]);
    expect(await titles({ priceMin: 80000 })).toEqual(T('alternator'));
  });

  it('seller type, seller, city and stock', async () => {
    expect(await titles({ sellerType: 'scrapyard' })).toEqual(T('alternator', 'padsCopy'));
    expect(await titles({ sellerId: dealer.sellerId })).toEqual(T('pads', 'disc'));
    expect(await titles({ city: 'fes' })).toEqual(T('padsCopy'));
    expect(await titles({ inStock: false })).toEqual(T('disc'));
    expect(await titles({ inStock: true, sellerId: dealer.sellerId })).toEqual(T('pads'));
  });

  it('combines filters with AND', async () => {
    expect(await titles({ q: 'plaquettes', sellerType: 'dealer', inStock: true })).toEqual(T('pads'));
  });
});

describe('sorting and facets', () => {
  it('sorts by price both ways and by newest', async () => {
    expect((await search({ sort: 'price' })).data.map((p) => p.price.amount)).toEqual([19900, 34900, 52000, 80000]);
    expect((await search({ sort: '-price' })).data.map((p) => p.price.amount)).toEqual([80000, 52000, 34900, 19900]);
    expect((await search({})).data.map((p) => p.title)).toEqual([parts.padsCopy, parts.alternator, parts.disc, parts.pads].map((p) => p!.title));
  });

  it('ranks listings with every word in the title first', async () => {
    const res = await search({ q: 'plaquettes' });
    // disc only mentions plaquettes in its description, and comes last although it is not the oldest.
    expect(res.data.map((p) => p.title)).toEqual([parts.padsCopy, parts.pads, parts.disc].map((p) => p!.title));
  });

  it('counts facets over the whole filtered result', async () => {
    const res = await search({ q: 'plaquettes', facets: true, limit: 1 });
    expect(res.data).toHaveLength(1);
    expect(res.facets).toEqual({
      category: [{ value: 'brakes', count: 3 }],
      condition: [{ value: 'new', count: 2 }, { value: 'refurbished', count: 1 }],
      sellerType: [{ value: 'dealer', count: 2 }, { value: 'scrapyard', count: 1 }],
      complete: true,
    });
    expect((await search({ q: 'plaquettes' })).facets).toBeUndefined();
  });
});

describe('pagination', () => {
  const walk = async (query: Record<string, string | number>, between?: () => Promise<unknown>) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await search({ ...query, limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.data.map((p) => p.id));
      cursor = page.nextCursor;
      if (between) await between();
    } while (cursor);
    return seen;
  };

  it.each(['newest', 'price', '-price', 'relevance'])('never repeats or skips a listing with sort=%s, even while others are added', async (sort) => {
    const query = { sort, q: 'plaquettes' };
    const before = (await search({ ...query, limit: 100 })).data.map((p) => p.id);
    let added = 0;
    const addWhileReading = async () => {
      // A few listings land mid-read, cheaper, dearer and newer than those already seen.
      if (added >= 3) return;
      added += 1;
      await createPart(ctx, dealer, { title: 'Plaquettes ajoutées pendant la lecture', price: { amount: [10000, 30000, 90000][added - 1] as number, currency: 'MAD' } });
    };
    const seen = await walk(query, addWhileReading);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });

  it('pages a year-make-model search newest first without repeats, a listing fitting twice counted once', async () => {
    const fits = (yearFrom: number, yearTo: number) => ({ make: 'Hyundai', model: 'Accent', yearFrom, yearTo });
    const twice = await createPart(ctx, scrapyard, { title: 'Feu arrière Accent', fitment: [fits(2011, 2016), fits(2014, 2019)] });
    const others = [];
    for (const [from, to] of [[2012, 2018], [2015, 2015], [2010, 2013], [2016, 2022]] as const) {
      others.push(await createPart(ctx, dealer, { title: `Rétroviseur Accent ${from}`, fitment: [fits(from, to)] }));
    }
    const query = { make: 'Hyundai', model: 'Accent', year: 2015, sort: 'newest' };
    const fitting = [twice, others[0], others[1]].map((p) => p!.id).sort().reverse();
    expect(await walk(query)).toEqual(fitting);
    expect((await search({ ...query, limit: 100 })).data.map((p) => p.id)).toEqual(fitting);
    expect((await search({ ...query, year: 2020, limit: 100 })).data.map((p) => p.id)).toEqual([others[3]!.id]);
  });

  it('refuses a cursor of another sort, a forged cursor and limit=1000', async () => {
    const page = await search({ sort: 'price', limit: 1 });
    expectProblem(await ctx.http().get('/api/v1/parts').query({ sort: '-price', cursor: page.nextCursor as string }), 400, 'invalid-cursor');
    expectProblem(await ctx.http().get('/api/v1/parts').query({ cursor: Buffer.from('{"id":1}').toString('base64url') }), 400, 'invalid-cursor');
    expectProblem(await ctx.http().get('/api/v1/parts?limit=1000'), 400, 'validation-error');
  });

  const ID = '0193a5b2-7c1e-7d4f-9a0b-3c2d1e0f4a5b';
  const forged = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');
  it.each([
    ['a text price', 'price', { p: 'abc', id: ID, o: 'price' }],
    ['a fractional price', 'price', { p: 1.5, id: ID, o: 'price' }],
    ['a price beyond any amount', '-price', { p: 1e308, id: ID, o: '-price' }],
    ['a negative price', 'price', { p: -1, id: ID, o: 'price' }],
    ['a text relevance tier', 'relevance', { s: 'top', id: ID, o: 'relevance' }],
    ['an id that is not a uuid', 'newest', { id: 'zzz', o: 'newest' }],
    ['an extra field', 'newest', { id: ID, o: 'newest', x: 1 }],
    ['a list', 'newest', [ID]],
  ])('refuses a cursor with %s as invalid-cursor, on every database', async (_what, sort, key) => {
    const query = { sort, cursor: forged(key as Record<string, unknown>), ...(sort === 'relevance' ? { q: 'frein' } : {}) };
    expectProblem(await ctx.http().get('/api/v1/parts').query(query), 400, 'invalid-cursor');
  });
});

describe('bad search input', () => {
  it.each([
    ['a 10,000-character q', { q: 'x'.repeat(10_000) }],
    ['an unknown sort', { sort: 'cheapest' }],
    ['a negative priceMin', { priceMin: -1 }],
    ['a float priceMax', { priceMax: 10.5 }],
    ['an unknown category', { category: 'spoilers' }],
    ['a year out of range', { year: 1800 }],
    ['an invalid sellerId', { sellerId: 'abc' }],
    // The validator coerces these to Infinity, which then passed every bound (a 500 on PostgreSQL).
    ['year=Infinity', { year: 'Infinity' }],
    ['a year of 400 digits', { year: '1'.repeat(400) }],
    ['priceMin=1e400', { priceMin: '1e400' }],
    ['limit=Infinity', { limit: 'Infinity' }],
    ['a hexadecimal priceMax', { priceMax: '0x10' }],
  ])('refuses %s with a 400', async (_what, query) => {
    expectProblem(await ctx.http().get('/api/v1/parts').query(query), 400, 'validation-error');
  });
});

describe('comparator', () => {
  it('lists every offer for a number and its cross references, cheapest first counting the core charge', async () => {
    const res = await ctx.http().get('/api/v1/parts/compare').query({ partNumber: '41-06-000-Q0H' }).expect(200);
    expect(res.body.partNumber).toBe('4106000Q0H');
    expect(res.body.equivalentNumbers).toEqual(['4106000Q0H', '0986494123']);
    // padsCopy: 199.00 + 200.00 deposit = 399.00 > pads 349.00
    expect(res.body.offers.map((o: { partId: string }) => o.partId)).toEqual([parts.pads!.id, parts.padsCopy!.id]);
    expect(res.body.offers[1]).toMatchObject({
      total: { amount: 39900, currency: 'MAD' },
      matchedNumbers: ['0986494123'],
      seller: { id: scrapyard.sellerId, sellerType: 'scrapyard', city: 'Agadir' },
      sellerRating: null,
      defectRate: { defective: 0, sold: 0, rate: null },
    });
    expect(res.body.truncated).toBe(false);
  });

  it('needs a part number', async () => {
    expectProblem(await ctx.http().get('/api/v1/parts/compare'), 400, 'validation-error');
  });

  it('totals the highest price and the highest core charge a seller may set (found by the fuzz: once a 500)', async () => {
    const max = { amount: 100_000_000_000, currency: 'MAD' };
    expectProblem(
      await ctx.http().post('/api/v1/parts').set(dealer.auth).send(partInput({ price: { ...max, amount: max.amount + 1 } })),
      400,
      'validation-error',
    );
    const dear = await createPart(ctx, dealer, { price: max, coreCharge: max, partNumbers: [{ number: 'MAX-PRICE-1', kind: 'oem' }] });
    const res = await ctx.http().get('/api/v1/parts/compare').query({ partNumber: 'MAX-PRICE-1' }).expect(200);
    expect(res.body.offers.map((o: { partId: string; total: unknown }) => [o.partId, o.total])).toEqual([[dear.id, { amount: 200_000_000_000, currency: 'MAD' }]]);
  });
});

describe('vehicle pickers', () => {
  it('lists makes and models of active listings with counts', async () => {
    const makes = await ctx.http().get('/api/v1/vehicles/makes').expect(200);
    expect(makes.body.data).toEqual(
      expect.arrayContaining([
        { make: 'Citroën', partCount: 1 },
        { make: 'Dacia', partCount: expect.any(Number) },
      ]),
    );
    expect(makes.body.data.map((m: { make: string }) => m.make)).not.toContain('Peugeot');
    const models = await ctx.http().get('/api/v1/vehicles/makes/citroen/models').expect(200);
    expect(models.body).toEqual({ make: 'Citroën', data: [{ model: 'C3', partCount: 1, yearFrom: 2009, yearTo: 2016 }] });
    expect((await ctx.http().get('/api/v1/vehicles/makes/Lada/models').expect(200)).body.data).toEqual([]);
  });
});
