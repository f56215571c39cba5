import { withTx } from '../src/db/tx';
import { Problem } from '../src/http/problems';
import { money, rate } from '../src/money';
import { reconcileLedger } from '../src/modules/wallet/reconcile';
import type { WalletService } from '../src/modules/wallet/service';
import { walletFor } from './helpers/wallet';
import { useTestContext } from './helpers/context';
import { registerUser, type TestUser } from './helpers/factories';

/**
 * The OtoPay ledger under the wallet service, on the real database: balances move only by
 * balanced postings, a wallet never goes below zero however many movements race, holds resolve
 * once, and the ledger cannot be rewritten. (The HTTP API comes with the rest of issue 12.)
 */
const ctx = useTestContext();
const mad = (amount: number) => money(amount, 'MAD');
let wallet: WalletService;
let buyer: TestUser;
let seller: TestUser;
let other: TestUser;

const run = <T>(work: Parameters<typeof withTx<T>>[1]) => withTx(ctx.db, work);
const balance = async (user: TestUser) => {
  const b = await wallet.balance(user.id);
  return { available: b.available.amount, held: b.held.amount };
};
const problemKind = (err: unknown) => (err instanceof Problem ? err.kind : String(err));

beforeAll(async () => {
  wallet = walletFor(ctx.db, ctx.config, ctx.clock);
  [buyer, seller, other] = [await registerUser(ctx, 'buyer'), await registerUser(ctx, 'seller'), await registerUser(ctx, 'buyer')];
});

afterEach(async () => {
  // Whatever a test did, the ledger still adds up.
  expect((await reconcileLedger(ctx.db)).violations).toEqual([]);
});

describe('deposits and transfers', () => {
  it('move money between accounts by postings that sum to zero', async () => {
    await run((tx) => wallet.deposit(tx, buyer.id, mad(50_000)));
    const transfer = await run((tx) => wallet.transfer(tx, buyer.id, other.id, mad(12_550), 'Pièces'));
    expect(await balance(buyer)).toEqual({ available: 37_450, held: 0 });
    expect(await balance(other)).toEqual({ available: 12_550, held: 0 });
    const postings = (await ctx.db('ledger_postings').where({ transaction_id: transfer.id }).select('amount')) as { amount: number | string }[];
    expect(postings.map((p) => Number(p.amount)).sort((a, b) => a - b)).toEqual([-12_550, 12_550]);
  });

  it('refuse what the wallet cannot cover, another currency, nothing or oneself, and move nothing', async () => {
    const before = [await balance(buyer), await balance(other), await ctx.db('ledger_postings').count({ n: '*' })];
    await expect(run((tx) => wallet.transfer(tx, buyer.id, other.id, mad(37_451)))).rejects.toMatchObject({ kind: 'insufficient-funds' });
    await expect(run((tx) => wallet.transfer(tx, buyer.id, other.id, money(100, 'EUR')))).rejects.toMatchObject({ kind: 'validation-error' });
    await expect(run((tx) => wallet.transfer(tx, buyer.id, other.id, mad(0)))).rejects.toMatchObject({ kind: 'validation-error' });
    await expect(run((tx) => wallet.transfer(tx, buyer.id, buyer.id, mad(100)))).rejects.toMatchObject({ kind: 'transfer-to-self' });
    expect([await balance(buyer), await balance(other), await ctx.db('ledger_postings').count({ n: '*' })]).toEqual(before);
  });
});

describe('concurrent movements', () => {
  it('200 debits of 5.00 at once on a 500.00 wallet: exactly 100 succeed and it ends at 0.00', async () => {
    const payer = await registerUser(ctx, 'buyer');
    await run((tx) => wallet.deposit(tx, payer.id, mad(50_000)));
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => run((tx) => wallet.transfer(tx, payer.id, other.id, mad(500)))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(100);
    expect(new Set(results.flatMap((r) => (r.status === 'rejected' ? [problemKind(r.reason)] : [])))).toEqual(new Set(['insufficient-funds']));
    expect(await balance(payer)).toEqual({ available: 0, held: 0 });
  });

  it('200 deposits of 1.00 at once add exactly 200.00', async () => {
    const saver = await registerUser(ctx, 'buyer');
    await Promise.all(Array.from({ length: 200 }, () => run((tx) => wallet.deposit(tx, saver.id, mad(100)))));
    expect(await balance(saver)).toEqual({ available: 20_000, held: 0 });
  });

  it('transfers both ways between two wallets at once all complete (no deadlock) and keep the total', async () => {
    const [left, right] = [await registerUser(ctx, 'buyer'), await registerUser(ctx, 'buyer')];
    await run((tx) => wallet.deposit(tx, left.id, mad(10_000)));
    await run((tx) => wallet.deposit(tx, right.id, mad(10_000)));
    await Promise.all(Array.from({ length: 60 }, (_, i) => run((tx) => (i % 2 === 0 ? wallet.transfer(tx, left.id, right.id, mad(100 + i)) : wallet.transfer(tx, right.id, left.id, mad(100 + i))))));
    // Left sent 100 + 102 + … + 158, right sent 101 + 103 + … + 159: 30 pairs, right one more each.
    expect([await balance(left), await balance(right)]).toEqual([
      { available: 10_030, held: 0 },
      { available: 9_970, held: 0 },
    ]);
  });
});

describe('escrow holds', () => {
  it('capture pays the payee less the commission, the fees account the commission, and the rest back to the buyer, once', async () => {
    const payer = await registerUser(ctx, 'buyer');
    await run((tx) => wallet.deposit(tx, payer.id, mad(100_000)));
    const { hold } = await run((tx) => wallet.hold(tx, payer.id, mad(40_000), 'checkout-1'));
    expect(await balance(payer)).toEqual({ available: 60_000, held: 40_000 });
    const sellerBefore = await balance(seller);
    const { commission } = await run((tx) => wallet.capture(tx, hold.id, { payeeId: seller.id, amount: mad(30_000), commission: rate('0.10') }));
    expect(commission).toEqual(mad(3_000));
    expect(await balance(payer)).toEqual({ available: 70_000, held: 0 });
    expect((await balance(seller)).available - sellerBefore.available).toBe(27_000);
    await expect(run((tx) => wallet.capture(tx, hold.id, { payeeId: seller.id, commission: rate('0.10') }))).rejects.toMatchObject({ kind: 'invalid-state-transition' });
    await expect(run((tx) => wallet.void(tx, hold.id))).rejects.toMatchObject({ kind: 'invalid-state-transition' });
  });

  it('a hold the wallet cannot cover is refused and nothing is held', async () => {
    const payer = await registerUser(ctx, 'buyer');
    await run((tx) => wallet.deposit(tx, payer.id, mad(1_000)));
    await expect(run((tx) => wallet.hold(tx, payer.id, mad(1_001), 'checkout-2'))).rejects.toMatchObject({ kind: 'insufficient-funds' });
    expect(await balance(payer)).toEqual({ available: 1_000, held: 0 });
    expect(Number(((await ctx.db('ledger_holds').where({ reference: 'checkout-2' }).count({ n: '*' })) as { n: number | string }[])[0]?.n)).toBe(0);
  });

  it('a capture and a void at once: exactly one resolves the hold, and the money moves once', async () => {
    const payer = await registerUser(ctx, 'buyer');
    await run((tx) => wallet.deposit(tx, payer.id, mad(10_000)));
    for (let i = 0; i < 5; i += 1) {
      const { hold } = await run((tx) => wallet.hold(tx, payer.id, mad(1_000), `race-${i}`));
      const results = await Promise.allSettled([
        run((tx) => wallet.capture(tx, hold.id, { payeeId: seller.id, commission: rate('0.10') })),
        run((tx) => wallet.void(tx, hold.id)),
        run((tx) => wallet.void(tx, hold.id)),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.flatMap((r) => (r.status === 'rejected' ? [problemKind(r.reason)] : []))).toEqual(['invalid-state-transition', 'invalid-state-transition']);
    }
  });
});

describe('the ledger is append-only', () => {
  it('refuses to update or delete a posting or a transaction, even by SQL behind the service', async () => {
    // By message: the driver's error class may come from another test file's realm, which toThrow does not recognise.
    const refused = (write: PromiseLike<unknown>) => expect(Promise.resolve(write)).rejects.toHaveProperty('message', expect.stringMatching(/append-only/));
    const posting = (await ctx.db('ledger_postings').first('id', 'transaction_id')) as { id: string; transaction_id: string };
    await refused(ctx.db('ledger_postings').where({ id: posting.id }).update({ amount: 1 }));
    await refused(ctx.db('ledger_postings').where({ id: posting.id }).delete());
    await refused(ctx.db('ledger_transactions').where({ id: posting.transaction_id }).update({ memo: 'rewritten' }));
    await refused(ctx.db('ledger_transactions').where({ id: posting.transaction_id }).delete());
  });
});
