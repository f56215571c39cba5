import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../src/app';
import { IDEMPOTENCY_KEEP_MS, IDEMPOTENCY_LOCK_MS, idempotencyStore } from '../src/http/idempotency';
import { useTestContext } from './helpers/context';
import { createSeller, loginAdmin, partInput, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';

const ctx = useTestContext();

const listingsOf = async (seller: { sellerId: string }): Promise<number> =>
  Number(((await ctx.db('parts').where({ seller_id: seller.sellerId }).count({ n: '*' })) as { n: number | string }[])[0]?.n);

const create = (seller: TestUser, key: string | undefined, body: Record<string, unknown>) => {
  const req = ctx.http().post('/api/v1/parts').set(seller.auth);
  return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
};

describe('Idempotency-Key on POST /api/v1/parts', () => {
  it('creates one listing for a retried request, and answers the retry with the first answer, marked replayed', async () => {
    const seller = await createSeller(ctx);
    const key = randomUUID();
    const body = partInput();
    const first = await create(seller, key, body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await create(seller, key, body).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(retry.body).toEqual(first.body);
    expect(await listingsOf(seller)).toBe(1);
  });

  it('refuses the same key with another body (422), and keeps keys apart between callers', async () => {
    const [seller, other] = [await createSeller(ctx), await createSeller(ctx)];
    const key = randomUUID();
    await create(seller, key, partInput({ title: 'Filtre à huile Bosch' })).expect(201);
    expectProblem(await create(seller, key, partInput({ title: 'Filtre à air Bosch' })), 422, 'idempotency-key-reused');
    // Another seller's key of the same spelling is another key.
    await create(other, key, partInput({ title: 'Filtre à huile Bosch' })).expect(201);
    expect([await listingsOf(seller), await listingsOf(other)]).toEqual([1, 1]);
  });

  it('gives twenty identical requests at once one listing: each answer is that listing or a 409 while it is in flight', async () => {
    const seller = await createSeller(ctx);
    const key = randomUUID();
    const body = partInput();
    const answers = await Promise.all(Array.from({ length: 20 }, () => create(seller, key, body)));
    expect(await listingsOf(seller)).toBe(1);
    const created = answers.filter((res) => res.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((res) => res.body.id)).size).toBe(1);
    expect(created.filter((res) => res.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    for (const res of answers.filter((r) => r.status !== 201)) {
      expectProblem(res, 409, 'idempotency-key-in-flight');
      expect(res.headers['retry-after']).toBe('1');
    }
  });

  it('replays a refusal too: the answer to a key does not change when the state does', async () => {
    const seller = await createSeller(ctx, { verify: false });
    const key = randomUUID();
    const body = partInput();
    expectProblem(await create(seller, key, body), 403, 'seller-not-verified');
    const admin = await loginAdmin(ctx);
    await ctx.http().post(`/api/v1/admin/sellers/${seller.sellerId}/verify`).set(admin.auth).send({ reason: 'Documents checked' }).expect(200);
    const retry = await create(seller, key, body);
    expectProblem(retry, 403, 'seller-not-verified');
    expect(retry.headers['idempotent-replayed']).toBe('true');
    // A new key is a new request.
    await create(seller, randomUUID(), body).expect(201);
  });

  it('still replays after a restart of the server, for 24 hours', async () => {
    const seller = await createSeller(ctx);
    const key = randomUUID();
    const body = partInput();
    const first = await create(seller, key, body).expect(201);
    const restarted = createApp({ config: ctx.config, db: ctx.db, clock: ctx.clock });
    const retry = await request(restarted).post('/api/v1/parts').set(seller.auth).set('Idempotency-Key', key).send(body).expect(201);
    expect(retry.body.id).toBe(first.body.id);
    ctx.clock.advance(IDEMPOTENCY_KEEP_MS);
    // Past its time, the key is forgotten: the same request is a new one.
    const later = await create(seller, key, body).expect(201);
    expect(later.body.id).not.toBe(first.body.id);
  });

  it('lets a retry take over a claim whose request never answered (a server that died before committing)', async () => {
    const seller = await createSeller(ctx);
    const body = partInput();
    // The claim a request leaves when its server dies before its effect commits: what the same
    // request claims, without an answer.
    const answered = randomUUID();
    await create(seller, answered, body).expect(201);
    const { fingerprint } = (await ctx.db('idempotency_keys').where({ user_id: seller.id, key: answered }).first()) as { fingerprint: string };
    const key = randomUUID();
    const now = ctx.clock.now().getTime();
    await ctx.db('idempotency_keys').insert({
      user_id: seller.id,
      key,
      operation_id: 'createPart',
      fingerprint,
      state: 'in_flight',
      locked_until: now + IDEMPOTENCY_LOCK_MS,
      expires_at: now + IDEMPOTENCY_KEEP_MS,
    });
    expectProblem(await create(seller, key, body), 409, 'idempotency-key-in-flight');
    ctx.clock.advance(IDEMPOTENCY_LOCK_MS);
    await create(seller, key, body).expect(201);
    await create(seller, key, body).expect(201);
    expect(await listingsOf(seller)).toBe(2);
  });

  it('forgets keys past their keeping time, and only those', async () => {
    const seller = await createSeller(ctx);
    const [old, recent] = [randomUUID(), randomUUID()];
    await create(seller, old, partInput()).expect(201);
    ctx.clock.advance(IDEMPOTENCY_KEEP_MS / 2);
    await create(seller, recent, partInput()).expect(201);
    ctx.clock.advance(IDEMPOTENCY_KEEP_MS / 2);
    const store = idempotencyStore(ctx.db, ctx.clock);
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
    const left = ((await ctx.db('idempotency_keys').where({ user_id: seller.id })) as { key: string }[]).map((r) => r.key);
    expect(left).toEqual([recent]);
  });

  it('leaves requests without a key as they were: two requests, two listings', async () => {
    const seller = await createSeller(ctx);
    await create(seller, undefined, partInput()).expect(201);
    await create(seller, undefined, partInput()).expect(201);
    expect(await listingsOf(seller)).toBe(2);
  });

  it('refuses a key that is not visible ASCII', async () => {
    const seller = await createSeller(ctx);
    expectProblem(await create(seller, 'two words', partInput()), 400, 'validation-error');
    expectProblem(await create(seller, 'x'.repeat(256), partInput()), 400, 'validation-error');
  });
});

describe('Idempotency-Key on POST /api/v1/parts/{partId}/stock', () => {
  it('applies a retried adjustment once', async () => {
    const seller = await createSeller(ctx);
    const part = (await create(seller, undefined, partInput({ quantity: 10 })).expect(201)).body as { id: string };
    const key = randomUUID();
    const sale = { delta: -3, reason: 'Sold at the counter' };
    for (let i = 0; i < 3; i += 1) {
      const res = await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).set('Idempotency-Key', key).send(sale).expect(200);
      expect(res.body.quantity).toBe(7);
    }
    const movements = (await ctx.db('part_stock_movements').where({ part_id: part.id })) as unknown[];
    expect(movements).toHaveLength(1);
  });
});
