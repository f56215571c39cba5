import { randomUUID } from 'node:crypto';
import { withTx } from '../src/db/tx';
import { money, rate } from '../src/money';
import { reconcileLedger } from '../src/modules/wallet/reconcile';
import type { WalletService } from '../src/modules/wallet/service';
import { fundedUser, walletFor } from './helpers/wallet';
import { useTestContext } from './helpers/context';
import { loginAdmin, registerUser, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';

/**
 * Refunds, done right where the prototype credited an approved refund twice: linked to the
 * movement they reverse, never adding up to more than it, and made once per approval however the
 * approval is sent.
 */
const ctx = useTestContext();
const mad = (amount: number) => ({ amount, currency: 'MAD' });
let wallet: WalletService;
let admin: TestUser;

beforeAll(async () => {
  wallet = walletFor(ctx.db, ctx.config, ctx.clock);
  admin = await loginAdmin(ctx);
});
afterEach(async () => {
  expect((await reconcileLedger(ctx.db)).violations).toEqual([]);
});

const funded = (amount: number): Promise<TestUser> => fundedUser(ctx, wallet, amount);
const available = async (user: TestUser) => (await wallet.balance(user.id)).available.amount;
const transfer = async (from: TestUser, to: TestUser, amount: number) =>
  (await ctx.http().post('/api/v1/wallet/transfers').set(from.auth).set('Idempotency-Key', randomUUID()).send({ recipient: { userId: to.id }, amount: mad(amount) }).expect(201)).body.id as string;
const refund = (transactionId: string, body: object, key = randomUUID()) => ctx.http().post(`/api/v1/admin/wallet/transactions/${transactionId}/refunds`).set(admin.auth).set('Idempotency-Key', key).send(body);
const refundsOf = async (transactionId: string) => Number(((await ctx.db('ledger_transactions').where({ refund_of: transactionId }).count({ n: '*' })) as { n: number | string }[])[0]?.n);

describe('refunds by an admin', () => {
  it('reverse a transfer in parts, never beyond it', async () => {
    const [payer, payee] = [await funded(10_000), await funded(0)];
    const id = await transfer(payer, payee, 6_000);
    const first = await refund(id, { amount: mad(2_500), reason: 'Sent too much' }).expect(201);
    expect(first.body).toMatchObject({ refundOf: id, amount: mad(2_500), reason: 'Sent too much' });
    expect([await available(payer), await available(payee)]).toEqual([6_500, 3_500]);
    expectProblem(await refund(id, { amount: mad(3_501), reason: 'Again' }), 422, 'refund-exceeds-original');
    await refund(id, { reason: 'The rest' }).expect(201);
    expect([await available(payer), await available(payee)]).toEqual([10_000, 0]);
    expectProblem(await refund(id, { reason: 'Once more' }), 422, 'refund-exceeds-original');
    const kinds = (await ctx.http().get('/api/v1/wallet/transactions').set(payer.auth).expect(200)).body.data.map((m: { kind: string }) => m.kind);
    expect(kinds).toEqual(['refund', 'refund', 'transfer', 'deposit']);
  });

  it("take a captured payment back from the seller and the commission in proportion, by the running total's shares", async () => {
    const [buyer, seller] = [await funded(20_000), await registerUser(ctx, 'seller')];
    const { hold } = await withTx(ctx.db, (tx) => wallet.hold(tx, buyer.id, money(10_000, 'MAD'), 'order-1'));
    const { transaction } = await withTx(ctx.db, (tx) => wallet.capture(tx, hold.id, { payeeId: seller.id, commission: rate('0.10') }));
    const fees = async () => Number(((await ctx.db('ledger_accounts').where({ kind: 'fees' }).first('available')) as { available: number | string }).available);
    const feesBefore = await fees();
    await refund(transaction.id, { amount: mad(5_000), reason: 'Half returned' }).expect(201);
    expect([await available(seller), feesBefore - (await fees())]).toEqual([4_500, 500]);
    // 8,333 refunded in all: 7,500 from the seller and 833 from the fees (not 7,499.7 and 833.3 rounded apart).
    await refund(transaction.id, { amount: mad(3_333), reason: 'More returned' }).expect(201);
    expect([await available(seller), feesBefore - (await fees()), await available(buyer)]).toEqual([1_500, 833, 18_333]);
  });

  it('refuse what cannot be refunded, to others than admins, without a key, and when a party spent the money', async () => {
    const [payer, payee] = [await funded(5_000), await funded(0)];
    const { transaction: holdMovement } = await withTx(ctx.db, (tx) => wallet.hold(tx, payer.id, money(1_000, 'MAD'), 'order-2'));
    expectProblem(await refund(holdMovement.id, { reason: 'Not a payment' }), 422, 'not-refundable');
    expectProblem(await refund(randomUUID(), { reason: 'Nothing' }), 404, 'not-found');
    const id = await transfer(payer, payee, 2_000);
    expectProblem(await ctx.http().post(`/api/v1/admin/wallet/transactions/${id}/refunds`).set(admin.auth).send({ reason: 'No key' }), 400, 'validation-error');
    expectProblem(await ctx.http().post(`/api/v1/admin/wallet/transactions/${id}/refunds`).set(payer.auth).set('Idempotency-Key', randomUUID()).send({ reason: 'Myself' }), 403, 'forbidden');
    await transfer(payee, payer, 1_500);
    expectProblem(await refund(id, { reason: 'Spent' }), 409, 'insufficient-funds');
    expect(await refundsOf(id)).toBe(0);
  });

  it('ten refunds of all of a movement at once: exactly one is made', async () => {
    const [payer, payee] = [await funded(5_000), await funded(0)];
    const id = await transfer(payer, payee, 3_000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => refund(id, { reason: 'Race' })));
    expect(answers.filter((res) => res.status === 201)).toHaveLength(1);
    for (const res of answers.filter((r) => r.status !== 201)) expectProblem(res, 422, 'refund-exceeds-original');
    expect([await refundsOf(id), await available(payer)]).toEqual([1, 5_000]);
  });
});

describe('refund requests', () => {
  const ask = (user: TestUser, transactionId: string) => ctx.http().post('/api/v1/refund-requests').set(user.auth).send({ transactionId, reason: 'Sent to the wrong seller' });
  const decide = (id: string, decision: 'approve' | 'reject', key = randomUUID()) => ctx.http().post(`/api/v1/admin/refund-requests/${id}/${decision}`).set(admin.auth).set('Idempotency-Key', key).send({ note: 'Checked' });

  it('are made by the payer, followed by them alone, and approved into exactly one refund', async () => {
    const [payer, payee, stranger] = [await funded(8_000), await funded(0), await funded(0)];
    const id = await transfer(payer, payee, 4_000);
    expectProblem(await ask(stranger, id), 404, 'not-found');
    expectProblem(await ask(payee, id), 422, 'not-refundable');
    const request = (await ask(payer, id).expect(201)).body;
    expect(request).toMatchObject({ transactionId: id, status: 'pending', refundId: null, decidedAt: null });
    expectProblem(await ask(payer, id), 409, 'conflict');
    expect((await ctx.http().get('/api/v1/refund-requests').set(payer.auth).expect(200)).body.data.map((r: { id: string }) => r.id)).toEqual([request.id]);
    expectProblem(await ctx.http().get(`/api/v1/refund-requests/${request.id}`).set(stranger.auth), 404, 'not-found');

    const approved = (await decide(request.id, 'approve').expect(200)).body;
    expect(approved).toMatchObject({ status: 'approved', refundId: expect.any(String), decisionNote: 'Checked', decidedAt: expect.any(String) });
    expectProblem(await decide(request.id, 'approve'), 409, 'invalid-state-transition');
    expect((await ctx.http().get(`/api/v1/refund-requests/${request.id}`).set(payer.auth).expect(200)).body).toEqual(approved);
    expect([await refundsOf(id), await available(payer), await available(payee)]).toEqual([1, 8_000, 0]);
  });

  it('approved twice at the same moment credit once; a rejection moves nothing', async () => {
    const [payer, payee] = [await funded(8_000), await funded(0)];
    for (let i = 0; i < 3; i += 1) {
      const id = await transfer(payer, payee, 1_000);
      const request = (await ask(payer, id).expect(201)).body;
      const answers = await Promise.all([decide(request.id, 'approve'), decide(request.id, 'approve'), decide(request.id, 'reject')]);
      expect(answers.filter((res) => res.status === 200)).toHaveLength(1);
      for (const res of answers.filter((r) => r.status !== 200)) expectProblem(res, 409, 'invalid-state-transition');
      expect(await refundsOf(id)).toBe(answers.some((res) => res.status === 200 && res.body.status === 'approved') ? 1 : 0);
    }
    const id = await transfer(payer, payee, 500);
    const request = (await ask(payer, id).expect(201)).body;
    expect((await decide(request.id, 'reject').expect(200)).body).toMatchObject({ status: 'rejected', refundId: null });
    expect(await refundsOf(id)).toBe(0);
  });
});
