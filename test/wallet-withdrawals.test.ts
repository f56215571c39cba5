import { randomUUID } from 'node:crypto';
import { withTx } from '../src/db/tx';
import { money } from '../src/money';
import { createTraceService } from '../src/modules/trace/service';
import { createUserService } from '../src/modules/users/service';
import { ProviderUnavailable, type PaymentProvider } from '../src/modules/wallet/payment-provider';
import { reconcileLedger } from '../src/modules/wallet/reconcile';
import { createWalletService, type WalletService } from '../src/modules/wallet/service';
import { useTestContext } from './helpers/context';
import { registerUser, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';
import { fundedUser, walletFor } from './helpers/wallet';

/** Money out to a bank account: held, then paid or returned once, as the provider answers. */
const ctx = useTestContext();
const mad = (amount: number) => ({ amount, currency: 'MAD' });
// A RIB whose key checks (the 24 digits a multiple of 97), and the IBAN that wraps it.
const RIB = '011 780 0000123456789012 96';
const IBAN = 'MA64 0117 8000 0012 3456 7890 1296';
let wallet: WalletService;

beforeAll(() => {
  wallet = walletFor(ctx.db, ctx.config, ctx.clock);
});
afterEach(async () => {
  expect((await reconcileLedger(ctx.db)).violations).toEqual([]);
});

const funded = (amount: number): Promise<TestUser> => fundedUser(ctx, wallet, amount, 'seller');
const withdraw = (user: TestUser, body: object, key = randomUUID()) => ctx.http().post('/api/v1/wallet/withdrawals').set(user.auth).set('Idempotency-Key', key).send(body);
const follow = async (user: TestUser, id: string) => (await ctx.http().get(`/api/v1/wallet/withdrawals/${id}`).set(user.auth).expect(200)).body;
const balance = async (user: TestUser) => (await ctx.http().get('/api/v1/wallet').set(user.auth).expect(200)).body;

it('holds the money, then pays it out to a checked RIB or IBAN, the account masked', async () => {
  const user = await funded(50_000);
  const key = randomUUID();
  const res = await withdraw(user, { amount: mad(20_000), destination: { iban: IBAN } }, key).expect(202);
  expect(res.body).toMatchObject({ amount: mad(20_000), destination: { type: 'iban', masked: 'MA64 **** 1296' }, status: 'pending', settledAt: null });
  expect(JSON.stringify(res.body)).not.toContain('0012345678');
  expect(await follow(user, res.body.id)).toMatchObject({ status: 'paid', settledAt: expect.any(String) });
  expect(await balance(user)).toMatchObject({ available: mad(30_000), held: mad(0) });
  // A retry is answered, not paid again.
  expect((await withdraw(user, { amount: mad(20_000), destination: { iban: IBAN } }, key).expect(202)).headers['idempotent-replayed']).toBe('true');
  const byRib = (await withdraw(user, { amount: mad(5_000), destination: { rib: RIB } }).expect(202)).body;
  expect(byRib.destination).toEqual({ type: 'rib', masked: '**** 1296' });
  expect(await balance(user)).toMatchObject({ available: mad(25_000), held: mad(0) });
  const kinds = (await ctx.http().get('/api/v1/wallet/transactions').set(user.auth).expect(200)).body.data.map((m: { kind: string; change: unknown }) => [m.kind, m.change]);
  expect(kinds.slice(0, 2)).toEqual([
    ['payout', { available: mad(0), held: mad(-5_000) }],
    ['withdrawal', { available: mad(-5_000), held: mad(5_000) }],
  ]);
});

it('gives the money back when the payout fails, and a late or repeated answer changes nothing', async () => {
  const user = await funded(10_000);
  const res = await withdraw(user, { amount: mad(4_013), destination: { rib: RIB } }).expect(202);
  expect(await follow(user, res.body.id)).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('sandbox') });
  expect(await balance(user)).toMatchObject({ available: mad(10_000), held: mad(0) });
  await wallet.settleWithdrawal(res.body.id, { status: 'paid', providerReference: 'late' });
  expect(await follow(user, res.body.id)).toMatchObject({ status: 'failed' });
  expect(await balance(user)).toMatchObject({ available: mad(10_000), held: mad(0) });
});

it('refuses a bad account, too much, no key, and shows no one else the withdrawal', async () => {
  const user = await funded(1_000);
  const badKey = RIB.replace(/96$/, '95');
  expectProblem(await withdraw(user, { amount: mad(100), destination: { rib: badKey } }), 400, 'validation-error');
  expectProblem(await withdraw(user, { amount: mad(100), destination: { rib: '1234' } }), 400, 'validation-error');
  expectProblem(await withdraw(user, { amount: mad(100), destination: { iban: IBAN.replace('MA64', 'MA65') } }), 400, 'validation-error');
  expectProblem(await withdraw(user, { amount: mad(100), destination: { rib: RIB, iban: IBAN } }), 400, 'validation-error');
  expectProblem(await withdraw(user, { amount: mad(1_001), destination: { rib: RIB } }), 409, 'insufficient-funds');
  expectProblem(await ctx.http().post('/api/v1/wallet/withdrawals').set(user.auth).send({ amount: mad(100), destination: { rib: RIB } }), 400, 'validation-error');
  const mine = (await withdraw(user, { amount: mad(100), destination: { rib: RIB } }).expect(202)).body;
  expectProblem(await ctx.http().get(`/api/v1/wallet/withdrawals/${mine.id}`).set((await registerUser(ctx, 'buyer')).auth), 404, 'not-found');
  expect(await balance(user)).toMatchObject({ available: mad(900) });
});

it('asks again for a payout left unanswered once the retry delay has passed, pays it once, then forgets the account', async () => {
  const asked: { reference: string; destination: unknown }[] = [];
  let away = true;
  const provider: PaymentProvider = {
    name: 'flaky',
    charge: async () => ({ status: 'declined', reason: 'not used here' }),
    async payout(request) {
      asked.push({ reference: request.reference, destination: request.destination });
      if (away) throw new ProviderUnavailable('no answer');
      return { status: 'paid', providerReference: `paid-${request.reference}` };
    },
  };
  const flaky = createWalletService(ctx.db, ctx.config, ctx.clock, createUserService(ctx.db, ctx.clock), createTraceService(ctx.db, ctx.config, ctx.clock), provider);
  const user = await funded(10_000);
  const view = await withTx(ctx.db, (tx) => flaky.withdraw(tx, user.id, money(3_000, 'MAD'), { rib: RIB }));
  await waitUntil(() => asked.length === 1);
  const pending = () => ctx.db('ledger_withdrawals').where({ id: view.id }).first();
  expect(await pending()).toMatchObject({ status: 'pending', payout_account: RIB.replace(/\s/g, '') });
  const delay = ctx.config.wallet.payoutRetryMs;
  // Not yet due; then due while the provider is still away: still pending, funds still held.
  expect(await flaky.retryPayouts(delay)).toEqual({ asked: 0, settled: 0, more: false });
  ctx.clock.advance(delay + 1);
  expect(await flaky.retryPayouts(delay)).toEqual({ asked: 1, settled: 0, more: false });
  expect(await balance(user)).toMatchObject({ available: mad(7_000), held: mad(3_000) });
  away = false;
  expect(await flaky.retryPayouts(delay)).toEqual({ asked: 1, settled: 1, more: false });
  expect(asked.map((a) => a.reference)).toEqual([view.id, view.id, view.id]);
  expect(asked[2]?.destination).toEqual({ rib: RIB.replace(/\s/g, '') });
  expect(await follow(user, view.id)).toMatchObject({ status: 'paid' });
  expect(await pending()).toMatchObject({ status: 'paid', payout_account: null });
  expect(await balance(user)).toMatchObject({ available: mad(7_000), held: mad(0) });
  expect(await flaky.retryPayouts(delay)).toEqual({ asked: 0, settled: 0, more: false });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}
