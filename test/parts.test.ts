import { useTestContext } from './helpers/context';
import { createPart, createSeller, loginAdmin, partInput, registerUser, type TestUser } from './helpers/factories';
import { expectProblem, fieldPaths } from './helpers/problems';

const ctx = useTestContext();
let seller: TestUser & { sellerId: string };
beforeAll(async () => {
  seller = await createSeller(ctx, { profile: { sellerType: 'scrapyard', city: 'Agadir' } });
});

const countParts = async () => Number(((await ctx.db('parts').count({ n: '*' })) as { n: number | string }[])[0]?.n);

describe('POST /api/v1/parts', () => {
  it('lists a part for a verified seller, with normalised numbers and the seller summary', async () => {
    const res = await ctx.http().post('/api/v1/parts').set(seller.auth).send(partInput({ partNumbers: [{ number: '77 01-208.265', kind: 'oem' }] })).expect(201);
    expect(res.body).toMatchObject({
      status: 'active',
      availability: 'in_stock',
      grade: null,
      coreCharge: null,
      donorVehicle: null,
      warrantyMonths: 0,
      version: 1,
      partNumbers: [{ number: '77 01-208.265', normalized: '7701208265', kind: 'oem' }],
      seller: { id: seller.sellerId, sellerType: 'scrapyard', city: 'Agadir' },
    });
    expect(res.headers.etag).toBe('"1"');
    await ctx.http().get(`/api/v1/parts/${res.body.id}`).expect(200);
  });

  it('takes a used part with its grade and donor vehicle', async () => {
    const part = await createPart(ctx, seller, {
      condition: 'used',
      grade: 'B',
      coreCharge: { amount: 5000, currency: 'MAD' },
      donorVehicle: { make: 'Renault', model: 'Clio', year: 2015, vin: 'VF1RH000000000001', mileageKm: 140000 },
    });
    expect(part).toMatchObject({ condition: 'used', grade: 'B', coreCharge: { amount: 5000, currency: 'MAD' }, donorVehicle: { make: 'Renault', year: 2015 } });
  });

  it('refuses buyers and sellers that are not verified, storing nothing', async () => {
    const before = await countParts();
    const buyer = await registerUser(ctx, 'buyer');
    expectProblem(await ctx.http().post('/api/v1/parts').set(buyer.auth).send(partInput()), 403, 'forbidden');
    const pending = await createSeller(ctx, { verify: false });
    expectProblem(await ctx.http().post('/api/v1/parts').set(pending.auth).send(partInput()), 403, 'seller-not-verified');
    const noProfile = await registerUser(ctx, 'seller');
    expectProblem(await ctx.http().post('/api/v1/parts').set(noProfile.auth).send(partInput()), 403, 'seller-not-verified');
    expectProblem(await ctx.http().post('/api/v1/parts').send(partInput()), 401, 'unauthorized');
    expect(await countParts()).toBe(before);
  });

  const badInputs: [string, Record<string, unknown>, string][] = [
    ['a negative price', { price: { amount: -100, currency: 'MAD' } }, '/body/price/amount'],
    ['a zero price', { price: { amount: 0, currency: 'MAD' } }, '/body/price/amount'],
    ['a float price', { price: { amount: 349.5, currency: 'MAD' } }, '/body/price/amount'],
    ['a price as a string', { price: '349.00' }, '/body/price'],
    ['another currency', { price: { amount: 100, currency: 'EUR' } }, '/body/price/currency'],
    ['a negative quantity', { quantity: -1 }, '/body/quantity'],
    ['a float quantity', { quantity: 1.5 }, '/body/quantity'],
    ['an unknown category', { category: 'spoilers' }, '/body/category'],
    ['an unknown condition', { condition: 'broken' }, '/body/condition'],
    ['a grade on a new part', { grade: 'A' }, '/body/grade'],
    ['a used part without grade', { condition: 'used' }, '/body/grade'],
    ['a donor vehicle on a new part', { donorVehicle: { make: 'Dacia', model: 'Logan', year: 2014 } }, '/body/donorVehicle'],
    ['more than 10 images', { images: Array.from({ length: 11 }, (_, i) => `https://img.example.ma/${i}.jpg`) }, '/body/images'],
    ['a non-https image', { images: ['http://img.example.ma/1.jpg'] }, '/body/images/0'],
    ['more than 200 fitments', { fitment: Array.from({ length: 201 }, () => ({ make: 'Dacia', model: 'Logan', yearFrom: 2012, yearTo: 2020 })) }, '/body/fitment'],
    ['yearFrom after yearTo', { fitment: [{ make: 'Dacia', model: 'Logan', yearFrom: 2021, yearTo: 2012 }] }, '/body/fitment/0/yearFrom'],
    ['no part number', { partNumbers: [] }, '/body/partNumbers'],
    ['a number listed twice', { partNumbers: [{ number: '77-01', kind: 'oem' }, { number: '7701', kind: 'interchange' }] }, '/body/partNumbers/1/number'],
    ['a status of withdrawn', { status: 'withdrawn' }, '/body/status'],
    ['a seller id', { sellerId: '0193a5b2-7c1e-7d4f-9a0b-3c2d1e0f4a5b' }, '/body/sellerId'],
  ];
  it.each(badInputs)('refuses %s with a 400 naming the field, storing nothing', async (_what, override, path) => {
    const before = await countParts();
    const res = await ctx.http().post('/api/v1/parts').set(seller.auth).send(partInput(override));
    expectProblem(res, 400, 'validation-error');
    expect(fieldPaths(res)).toContain(path);
    expect(await countParts()).toBe(before);
  });
});

describe('editing a listing', () => {
  it('patches with If-Match, bumping the version; a stale ETag is a 412', async () => {
    const part = await createPart(ctx, seller);
    const res = await ctx.http().patch(`/api/v1/parts/${part.id}`).set(seller.auth).set('If-Match', '"1"').send({ price: { amount: 29900, currency: 'MAD' }, title: 'Plaquettes avant Logan' }).expect(200);
    expect(res.body).toMatchObject({ version: 2, price: { amount: 29900 }, title: 'Plaquettes avant Logan' });
    expect(res.headers.etag).toBe('"2"');
    expectProblem(await ctx.http().patch(`/api/v1/parts/${part.id}`).set(seller.auth).set('If-Match', '"1"').send({ title: 'Too late' }), 412, 'precondition-failed');
    expect((await ctx.http().get(`/api/v1/parts/${part.id}`)).body.title).toBe('Plaquettes avant Logan');
  });

  it('checks the merged listing: a used part needs its grade', async () => {
    const part = await createPart(ctx, seller);
    expect(fieldPaths(await ctx.http().patch(`/api/v1/parts/${part.id}`).set(seller.auth).send({ condition: 'used' }))).toEqual(['/body/grade']);
    const used = await ctx.http().patch(`/api/v1/parts/${part.id}`).set(seller.auth).send({ condition: 'used', grade: 'C' }).expect(200);
    expect(used.body).toMatchObject({ condition: 'used', grade: 'C' });
    const back = await ctx.http().patch(`/api/v1/parts/${part.id}`).set(seller.auth).send({ condition: 'new' }).expect(200);
    expect(back.body.grade).toBeNull();
  });

  it('lets only the owner edit: another seller gets 403, a buyer 403', async () => {
    const part = await createPart(ctx, seller);
    const other = await createSeller(ctx);
    expectProblem(await ctx.http().patch(`/api/v1/parts/${part.id}`).set(other.auth).send({ title: 'Mine now' }), 403, 'forbidden');
    expectProblem(await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(other.auth).send({ delta: -1, reason: 'steal' }), 403, 'forbidden');
    expectProblem(await ctx.http().delete(`/api/v1/parts/${part.id}`).set(other.auth), 403, 'forbidden');
    const buyer = await registerUser(ctx);
    expectProblem(await ctx.http().patch(`/api/v1/parts/${part.id}`).set(buyer.auth).send({ title: 'Mine now' }), 403, 'forbidden');
    expect((await ctx.http().get(`/api/v1/parts/${part.id}`)).body.title).toBe(part.title);
  });

  it('hides drafts from everyone but their seller', async () => {
    const draft = await createPart(ctx, seller, { status: 'draft' });
    await ctx.http().get(`/api/v1/parts/${draft.id}`).set(seller.auth).expect(200);
    expectProblem(await ctx.http().get(`/api/v1/parts/${draft.id}`), 404, 'not-found');
    const other = await createSeller(ctx);
    expectProblem(await ctx.http().get(`/api/v1/parts/${draft.id}`).set(other.auth), 404, 'not-found');
    expectProblem(await ctx.http().patch(`/api/v1/parts/${draft.id}`).set(other.auth).send({ title: 'x'.repeat(5) }), 404, 'not-found');
    const published = await ctx.http().patch(`/api/v1/parts/${draft.id}`).set(seller.auth).send({ status: 'active' }).expect(200);
    expect(published.body.status).toBe('active');
    await ctx.http().get(`/api/v1/parts/${draft.id}`).expect(200);
  });

  it('refuses an invalid or expired token where a token is optional, instead of treating the caller as a stranger', async () => {
    const draft = await createPart(ctx, seller, { status: 'draft' });
    expectProblem(await ctx.http().get(`/api/v1/parts/${draft.id}`).set('Authorization', `Bearer ${seller.accessToken}x`), 401, 'unauthorized');
    expectProblem(await ctx.http().get(`/api/v1/parts/${draft.id}`).set('Authorization', 'Basic c2VsbGVyOnNlY3JldA=='), 401, 'unauthorized');
    const active = await createPart(ctx, seller);
    expectProblem(await ctx.http().get(`/api/v1/parts/${active.id}`).set('Authorization', 'Bearer not-a-token'), 401, 'unauthorized');
  });

  it('answers concurrent reads each with its own listing, or 404', async () => {
    const parts = await Promise.all([1, 2, 3].map((n) => createPart(ctx, seller, { title: `Alternateur ${n} reconditionné` })));
    const draft = await createPart(ctx, seller, { status: 'draft' });
    const unknown = '01a211ee-0000-7000-8000-000000000000';
    const ids = [...parts.map((p) => p.id), draft.id, unknown, parts[0]!.id, parts[2]!.id.toUpperCase()];
    const answers = await Promise.all(ids.map((id) => ctx.http().get(`/api/v1/parts/${id}`)));
    // An id is spelled as issued, in lower case: the upper-case spelling is refused on both databases.
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 404, 404, 200, 400]);
    expect(answers.slice(0, 3).map((res) => res.body.title)).toEqual(parts.map((p) => p.title));
    expect(answers[5]!.body.id).toBe(parts[0]!.id);
  });

  it('never shows a change that has not been committed', async () => {
    const part = await createPart(ctx, seller);
    // Read once outside a transaction first, so that the read during it takes the other path.
    await ctx.http().get(`/api/v1/parts/${part.id}`).expect(200);
    const trx = await ctx.db.transaction();
    try {
      await trx('parts').where({ id: part.id }).update({ title: 'Uncommitted title' });
      // Sent while the change is open; SQLite answers once the transaction ends, PostgreSQL at once.
      const reading = ctx.http().get(`/api/v1/parts/${part.id}`).then((res) => res);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await trx.rollback();
      const res = await reading;
      expect(res.status).toBe(200);
      expect(res.body.title).toBe(part.title);
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
  });

  it('withdraws softly: gone from the market, still there for its seller, never editable again', async () => {
    const part = await createPart(ctx, seller);
    const res = await ctx.http().delete(`/api/v1/parts/${part.id}`).set(seller.auth).expect(200);
    expect(res.body.status).toBe('withdrawn');
    expectProblem(await ctx.http().get(`/api/v1/parts/${part.id}`), 404, 'not-found');
    await ctx.http().get(`/api/v1/parts/${part.id}`).set(seller.auth).expect(200);
    expectProblem(await ctx.http().patch(`/api/v1/parts/${part.id}`).set(seller.auth).send({ title: 'Back again' }), 409, 'invalid-state-transition');
    expectProblem(await ctx.http().delete(`/api/v1/parts/${part.id}`).set(seller.auth), 409, 'invalid-state-transition');
    const mine = await ctx.http().get('/api/v1/me/parts?status=withdrawn').set(seller.auth).expect(200);
    expect(mine.body.data.map((p: { id: string }) => p.id)).toContain(part.id);
  });
});

describe('stock', () => {
  it('moves by delta or to an absolute quantity, keeping a history', async () => {
    const part = await createPart(ctx, seller, { quantity: 5 });
    const sold = await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send({ delta: -2, reason: 'Counter sale' }).expect(200);
    expect(sold.body).toMatchObject({ quantity: 3, availability: 'in_stock' });
    const counted = await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send({ quantity: 0, reason: 'Stock count' }).expect(200);
    expect(counted.body).toMatchObject({ quantity: 0, availability: 'out_of_stock' });
    const history = await ctx.db('part_stock_movements').where({ part_id: part.id }).orderBy('id');
    expect(history.map((h: { delta: number; quantity_after: number }) => [h.delta, h.quantity_after])).toEqual([[-2, 3], [-3, 0]]);
  });

  it('never goes below zero, even with concurrent removals', async () => {
    const part = await createPart(ctx, seller, { quantity: 3 });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send({ delta: -1, reason: 'Concurrent sale' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    for (const r of results.filter((r) => r.status !== 200)) expectProblem(r, 409, 'insufficient-stock');
    expect((await ctx.http().get(`/api/v1/parts/${part.id}`)).body.quantity).toBe(0);
  });

  it('needs exactly one of delta and quantity, and a reason', async () => {
    const part = await createPart(ctx, seller);
    for (const body of [{ reason: 'nothing' }, { delta: 1, quantity: 2, reason: 'both' }, { delta: 1 }, { delta: 0, reason: 'zero' }, { delta: 1.5, reason: 'float' }]) {
      expectProblem(await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send(body), 400, 'validation-error');
    }
  });
});

describe('listings of a seller', () => {
  it('shows a seller\'s active listings publicly and all of them to the seller', async () => {
    const shop = await createSeller(ctx);
    const active = await createPart(ctx, shop);
    const draft = await createPart(ctx, shop, { status: 'draft' });
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((p) => p.id);
    expect(ids(await ctx.http().get(`/api/v1/sellers/${shop.sellerId}/parts`).expect(200))).toEqual([active.id]);
    expect(ids(await ctx.http().get('/api/v1/me/parts').set(shop.auth).expect(200))).toEqual([draft.id, active.id]);
    expect(ids(await ctx.http().get('/api/v1/me/parts?status=draft').set(shop.auth).expect(200))).toEqual([draft.id]);
  });

  it('takes a suspended seller\'s listings off the market at once, and back on reinstatement', async () => {
    const shop = await createSeller(ctx);
    const part = await createPart(ctx, shop);
    const admin = await loginAdmin(ctx);
    await ctx.http().post(`/api/v1/admin/sellers/${shop.sellerId}/suspend`).set(admin.auth).send({ reason: 'Counterfeits' }).expect(200);
    expectProblem(await ctx.http().get(`/api/v1/parts/${part.id}`), 404, 'not-found');
    expect((await ctx.http().get(`/api/v1/parts?sellerId=${shop.sellerId}`)).body.data).toEqual([]);
    await ctx.http().post(`/api/v1/admin/sellers/${shop.sellerId}/verify`).set(admin.auth).send({ reason: 'Cleared' }).expect(200);
    await ctx.http().get(`/api/v1/parts/${part.id}`).expect(200);
    await ctx.http().post(`/api/v1/admin/users/${shop.id}/suspend`).set(admin.auth).send({ reason: 'Account fraud' }).expect(200);
    expectProblem(await ctx.http().get(`/api/v1/parts/${part.id}`), 404, 'not-found');
  });

  it('shows the seller as its profile says now: a move to another city reaches every listing at once', async () => {
    const shop = await createSeller(ctx, { profile: { city: 'Rabat' } });
    const [part, draft] = [await createPart(ctx, shop), await createPart(ctx, shop, { status: 'draft' })];
    const profile = await ctx.http().get('/api/v1/me/seller-profile').set(shop.auth).expect(200);
    await ctx.http().patch('/api/v1/me/seller-profile').set(shop.auth).set('If-Match', profile.headers.etag as string).send({ city: 'Tanger' }).expect(200);
    expect((await ctx.http().get(`/api/v1/parts/${part.id}`).expect(200)).body.seller).toMatchObject({ id: shop.sellerId, city: 'Tanger' });
    expect((await ctx.http().get(`/api/v1/parts/${draft.id}`).set(shop.auth).expect(200)).body.seller.city).toBe('Tanger');
    expect((await ctx.http().get(`/api/v1/sellers/${shop.sellerId}/parts`).expect(200)).body.data[0].seller.city).toBe('Tanger');
  });
});
