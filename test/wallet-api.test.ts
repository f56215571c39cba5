import { randomUUID } from 'node:crypto';
import { withTx } from '../src/db/tx';
import { money, rate } from '../src/money';
import { reconcileLedger } from '../src/modules/wallet/reconcile';
import type { WalletService } from '../src/modules/wallet/service';
import { fundedUser, walletFor } from './helpers/wallet';
import { useTestContext } from './helpers/context';
import { loginAdmin, registerUser, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';

/** OtoPay through HTTP, as a client sees it: the balance, and transfers between users. */
const ctx = useTestContext();
const mad = (amount: number) => ({ amount, currency: 'MAD' });
let wallet: WalletService;

beforeAll(() => {
  wallet = walletFor(ctx.db, ctx.config, ctx.clock);
});
afterEach(async () => {
  expect((await reconcileLedger(ctx.db)).violations).toEqual([]);
});

/** A user with `amount` deposited (deposits have no route yet: the service's own). */
const funded = (amount: number, role: 'buyer' | 'seller' = 'buyer'): Promise<TestUser> => fundedUser(ctx, wallet, amount, role);
const balanceOf = async (user: TestUser) => (await ctx.http().get('/api/v1/wallet').set(user.auth).expect(200)).body;
const send = (from: TestUser, body: unknown, key: string | null = randomUUID()) => {
  const req = ctx.http().post('/api/v1/wallet/transfers').set(from.auth);
  return key === null ? req.send(body as object) : req.set('Idempotency-Key', key).send(body as object);
};

describe('GET /api/v1/wallet', () => {
  it('shows an unused wallet as empty, and is for buyers and sellers only', async () => {
    const buyer = await registerUser(ctx, 'buyer');
    expect(await balanceOf(buyer)).toEqual({ available: mad(0), held: mad(0), currency: 'MAD' });
    expectProblem(await ctx.http().get('/api/v1/wallet'), 401, 'unauthorized');
    expectProblem(await ctx.http().get('/api/v1/wallet').set((await loginAdmin(ctx)).auth), 403, 'forbidden');
  });
});

describe('POST /api/v1/wallet/transfers', () => {
  it('sends money by email or id: the sender sees the movement, both balances change', async () => {
    const [sender, recipient] = [await funded(50_000), await funded(0, 'seller')];
    const res = await send(sender, { recipient: { email: recipient.email.toUpperCase() }, amount: mad(12_550), memo: 'Alternateur Valeo' }).expect(201);
    expect(res.body).toEqual({ id: expect.any(String), kind: 'transfer', amount: mad(12_550), change: { available: mad(-12_550), held: mad(0) }, memo: 'Alternateur Valeo', createdAt: expect.any(String) });
    await send(sender, { recipient: { userId: recipient.id }, amount: mad(450) }).expect(201);
    expect((await balanceOf(sender)).available).toEqual(mad(37_000));
    expect((await balanceOf(recipient)).available).toEqual(mad(13_000));
  });

  it('moves money once for a retried request, answering the retry with the first answer', async () => {
    const [sender, recipient] = [await funded(10_000), await funded(0)];
    const key = randomUUID();
    const body = { recipient: { userId: recipient.id }, amount: mad(2_500) };
    const first = await send(sender, body, key).expect(201);
    const retry = await send(sender, body, key).expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expectProblem(await send(sender, { ...body, amount: mad(2_501) }, key), 422, 'idempotency-key-reused');
    expect((await balanceOf(sender)).available).toEqual(mad(7_500));
  });

  it('gives one key sent twenty times at once one effect: every answer the first one or a 409 while it runs', async () => {
    const [sender, recipient] = [await funded(10_000), await funded(0)];
    const key = randomUUID();
    const body = { recipient: { userId: recipient.id }, amount: mad(1_000) };
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(sender, body, key)));
    const created = answers.filter((res) => res.status === 201);
    expect(new Set(created.map((res) => res.body.id)).size).toBe(1);
    for (const res of answers.filter((r) => r.status !== 201)) expectProblem(res, 409, 'idempotency-key-in-flight');
    expect((await balanceOf(recipient)).available).toEqual(mad(1_000));
  });

  it('refuses, moving nothing: no key, too much, oneself, nobody, an admin, another currency, nothing, unknown fields', async () => {
    const [sender, recipient] = [await funded(5_000), await funded(0)];
    const admin = await loginAdmin(ctx);
    const to = { userId: recipient.id };
    expectProblem(await send(sender, { recipient: to, amount: mad(100) }, null), 400, 'validation-error');
    expectProblem(await send(sender, { recipient: to, amount: mad(5_001) }), 409, 'insufficient-funds');
    expectProblem(await send(sender, { recipient: { userId: sender.id }, amount: mad(100) }), 422, 'transfer-to-self');
    expectProblem(await send(sender, { recipient: { email: sender.email }, amount: mad(100) }), 422, 'transfer-to-self');
    expectProblem(await send(sender, { recipient: { email: 'nobody@example.ma' }, amount: mad(100) }), 422, 'unknown-recipient');
    expectProblem(await send(sender, { recipient: { userId: randomUUID() }, amount: mad(100) }), 422, 'unknown-recipient');
    expectProblem(await send(sender, { recipient: { userId: admin.id }, amount: mad(100) }), 422, 'unknown-recipient');
    expectProblem(await send(sender, { recipient: to, amount: { amount: 100, currency: 'EUR' } }), 400, 'validation-error');
    expectProblem(await send(sender, { recipient: to, amount: mad(0) }), 400, 'validation-error');
    expectProblem(await send(sender, { recipient: to, amount: { amount: 1.5, currency: 'MAD' } }), 400, 'validation-error');
    expectProblem(await send(sender, { recipient: { ...to, email: recipient.email }, amount: mad(100) }), 400, 'validation-error');
    expectProblem(await send(sender, { recipient: to, amount: mad(100), balance: 1_000_000 }), 400, 'validation-error');
    expect([(await balanceOf(sender)).available, (await balanceOf(recipient)).available]).toEqual([mad(5_000), mad(0)]);
  });
});

describe('GET /api/v1/wallet/transactions and /{transactionId}', () => {
  const statement = async (user: TestUser, query = '') => (await ctx.http().get(`/api/v1/wallet/transactions${query}`).set(user.auth).expect(200)).body;

  it("lists the wallet's movements newest first, as it saw them, holds and their capture included", async () => {
    const [buyer, seller] = [await funded(100_000), await funded(0, 'seller')];
    await send(buyer, { recipient: { userId: seller.id }, amount: mad(5_000), memo: 'Acompte' }).expect(201);
    const { hold } = await withTx(ctx.db, (tx) => wallet.hold(tx, buyer.id, mad(40_000), 'order-group-1'));
    expect(await balanceOf(buyer)).toMatchObject({ available: mad(55_000), held: mad(40_000) });
    // All of it to the seller: nothing posts back to the buyer, yet the hold's end is in the buyer's statement.
    await withTx(ctx.db, (tx) => wallet.capture(tx, hold.id, { payeeId: seller.id, commission: rate('0.10') }));
    const page = await statement(buyer);
    expect(page.nextCursor).toBeNull();
    expect(page.data.map((m: { kind: string; change: unknown }) => [m.kind, m.change])).toEqual([
      ['capture', { available: mad(0), held: mad(-40_000) }],
      ['hold', { available: mad(-40_000), held: mad(40_000) }],
      ['transfer', { available: mad(-5_000), held: mad(0) }],
      ['deposit', { available: mad(100_000), held: mad(0) }],
    ]);
    expect((await statement(seller)).data.map((m: { kind: string; change: { available: unknown } }) => [m.kind, m.change.available])).toEqual([
      ['capture', mad(36_000)],
      ['transfer', mad(5_000)],
    ]);
    expect(await balanceOf(buyer)).toMatchObject({ available: mad(55_000), held: mad(0) });
  });

  it('pages with a cursor (each movement once), filters by kind and time, and shows no one else their movements', async () => {
    const [user, friend] = [await funded(10_000), await funded(10_000)];
    for (let i = 1; i <= 5; i += 1) {
      ctx.clock.advance(60_000);
      await send(user, { recipient: { userId: friend.id }, amount: mad(i * 100) }).expect(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; nextCursor: string | null } = await statement(user, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect((await statement(user, '?kind=deposit')).data).toHaveLength(1);
    const transfers = (await statement(user, '?kind=transfer')).data as { id: string; createdAt: string }[];
    const third = transfers[2] as { createdAt: string };
    expect((await statement(user, `?kind=transfer&from=${encodeURIComponent(third.createdAt)}`)).data).toHaveLength(3);
    expect((await statement(user, `?kind=transfer&to=${encodeURIComponent(third.createdAt)}`)).data).toHaveLength(2);
    // As a browser or a hand-typed URL sends a time: its colons not encoded; an offset's + as %2B.
    expect((await statement(user, `?kind=transfer&from=${third.createdAt}`)).data).toHaveLength(3);
    const inCasablancaTime = new Date(third.createdAt).toISOString().replace('Z', '+00:00');
    expect((await statement(user, `?kind=transfer&to=${inCasablancaTime.replace('+', '%2B')}`)).data).toHaveLength(2);

    const mine = transfers[0] as { id: string };
    expect((await ctx.http().get(`/api/v1/wallet/transactions/${mine.id}`).set(user.auth).expect(200)).body).toMatchObject({ id: mine.id, kind: 'transfer', change: { available: mad(-500) } });
    const stranger = await funded(0);
    expectProblem(await ctx.http().get(`/api/v1/wallet/transactions/${mine.id}`).set(stranger.auth), 404, 'not-found');
    expect((await statement(stranger)).data).toEqual([]);
    expectProblem(await ctx.http().get('/api/v1/wallet/transactions?cursor=bm90LWEtY3Vyc29y').set(user.auth), 400, 'invalid-cursor');
    expectProblem(await ctx.http().get('/api/v1/wallet/transactions?kind=gift').set(user.auth), 400, 'validation-error');
  });
});

describe('POST /api/v1/wallet/deposits (the sandbox provider)', () => {
  const deposit = (user: TestUser, amount: number, key: string = randomUUID()) => ctx.http().post('/api/v1/wallet/deposits').set(user.auth).set('Idempotency-Key', key).send({ amount: mad(amount) });

  it('charges and credits once, however often the request is retried', async () => {
    const user = await registerUser(ctx, 'buyer');
    const key = randomUUID();
    const first = await deposit(user, 50_000, key).expect(201);
    expect(first.body).toMatchObject({ kind: 'deposit', amount: mad(50_000), change: { available: mad(50_000), held: mad(0) } });
    const retry = await deposit(user, 50_000, key).expect(201);
    expect(retry.body).toEqual(first.body);
    expect((await balanceOf(user)).available).toEqual(mad(50_000));
  });

  it('credits nothing when the provider declines (402) or times out (503, the key free for a retry)', async () => {
    const user = await registerUser(ctx, 'buyer');
    expectProblem(await deposit(user, 10_013), 402, 'payment-declined');
    const key = randomUUID();
    const timeout = await deposit(user, 10_098, key);
    expectProblem(timeout, 503, 'payment-provider-unavailable');
    expect(timeout.headers['retry-after']).toBe('30');
    expectProblem(await deposit(user, 10_098, key), 503, 'payment-provider-unavailable');
    expect(await balanceOf(user)).toMatchObject({ available: mad(0) });
  });

  it('keeps to the limits: one deposit, and 24 hours of them', async () => {
    const user = await registerUser(ctx, 'buyer');
    const { depositMax, depositDailyMax } = ctx.config.wallet;
    expectProblem(await deposit(user, depositMax + 1), 422, 'limit-exceeded');
    await deposit(user, depositMax).expect(201);
    await deposit(user, depositDailyMax - depositMax).expect(201);
    expectProblem(await deposit(user, 100), 422, 'limit-exceeded');
    ctx.clock.advance(24 * 60 * 60 * 1000 + 1);
    await deposit(user, 100).expect(201);
    expect((await balanceOf(user)).available).toEqual(mad(depositDailyMax + 100));
  });

  it('is refused without a key, for admins, and when no provider is configured', async () => {
    const user = await registerUser(ctx, 'buyer');
    expectProblem(await ctx.http().post('/api/v1/wallet/deposits').set(user.auth).send({ amount: mad(100) }), 400, 'validation-error');
    expectProblem(await deposit(await loginAdmin(ctx), 100), 403, 'forbidden');
    const none = walletFor(ctx.db, { ...ctx.config, wallet: { ...ctx.config.wallet, paymentProvider: 'none' } }, ctx.clock);
    await expect(withTx(ctx.db, (tx) => none.topUp(tx, user.id, money(100, 'MAD'), 'ref-1'))).rejects.toMatchObject({ kind: 'payment-provider-unavailable' });
    expect(await balanceOf(user)).toMatchObject({ available: mad(0) });
  });
});

describe('GET /api/v1/admin/ledger/reconcile', () => {
  it('reports a clean ledger to admins, names a balance changed behind the ledger, and is for admins only', async () => {
    const admin = await loginAdmin(ctx);
    const user = await funded(7_000);
    const clean = (await ctx.http().get('/api/v1/admin/ledger/reconcile').set(admin.auth).expect(200)).body;
    expect(clean).toMatchObject({ clean: true, violations: [] });
    expect(clean.checked.postings).toBeGreaterThan(0);
    const account = (await ctx.db('ledger_accounts').where({ user_id: user.id }).first('id')) as { id: string };
    await ctx.db('ledger_accounts').where({ id: account.id }).update({ available: 9_000 });
    try {
      const report = (await ctx.http().get('/api/v1/admin/ledger/reconcile').set(admin.auth).expect(200)).body;
      // Its postings disagree, and so does the state its chain in the trace log last recorded.
      expect(report).toMatchObject({
        clean: false,
        violations: [`account ${account.id}: available 9000, its postings 7000`, `account ${account.id}: its balances are not the state its last event in the trace log recorded`],
      });
    } finally {
      await ctx.db('ledger_accounts').where({ id: account.id }).update({ available: 7_000 });
    }
    expectProblem(await ctx.http().get('/api/v1/admin/ledger/reconcile').set(user.auth), 403, 'forbidden');
  });
});

describe('admin reads: /api/v1/admin/wallet/...', () => {
  it("show any buyer's or seller's balance and statement as they see them, and any movement with every posting", async () => {
    const admin = await loginAdmin(ctx);
    const [payer, payee] = [await funded(9_000), await funded(0, 'seller')];
    const sent = (await send(payer, { recipient: { userId: payee.id }, amount: mad(1_200), memo: 'Bougies' }).expect(201)).body;
    expect((await ctx.http().get(`/api/v1/admin/wallet/users/${payer.id}`).set(admin.auth).expect(200)).body).toEqual(await balanceOf(payer));
    const statement = (await ctx.http().get(`/api/v1/admin/wallet/users/${payer.id}/transactions?kind=transfer`).set(admin.auth).expect(200)).body;
    expect(statement).toEqual((await ctx.http().get('/api/v1/wallet/transactions?kind=transfer').set(payer.auth).expect(200)).body);
    const movement = (await ctx.http().get(`/api/v1/admin/wallet/transactions/${sent.id}`).set(admin.auth).expect(200)).body;
    expect(movement).toMatchObject({ id: sent.id, kind: 'transfer', amount: mad(1_200), initiatorId: payer.id, memo: 'Bougies' });
    expect(movement.postings.map((p: { userId: string; amount: unknown }) => [p.userId, p.amount])).toEqual(
      expect.arrayContaining([
        [payer.id, mad(-1_200)],
        [payee.id, mad(1_200)],
      ]),
    );
    expectProblem(await ctx.http().get(`/api/v1/admin/wallet/users/${randomUUID()}`).set(admin.auth), 404, 'not-found');
    expectProblem(await ctx.http().get(`/api/v1/admin/wallet/users/${admin.id}`).set(admin.auth), 404, 'not-found');
    expectProblem(await ctx.http().get(`/api/v1/admin/wallet/transactions/${randomUUID()}`).set(admin.auth), 404, 'not-found');
    expectProblem(await ctx.http().get(`/api/v1/admin/wallet/users/${payee.id}`).set(payer.auth), 403, 'forbidden');
  });
});
