import { v7 as uuidv7 } from 'uuid';
import { withTx } from '../src/db/tx';
import { money } from '../src/money';
import { reconcileLedger } from '../src/modules/wallet/reconcile';
import { walletFor } from './helpers/wallet';
import { useTestContext } from './helpers/context';
import { registerUser } from './helpers/factories';

/** The reconciliation finds what was written behind the ledger's back, and names it. */
const ctx = useTestContext();

it('names each rule broken behind the service: an unbalanced movement, a refund beyond its original', async () => {
  const wallet = walletFor(ctx.db, ctx.config, ctx.clock);
  const user = await registerUser(ctx, 'buyer');
  const deposit = await withTx(ctx.db, (tx) => wallet.deposit(tx, user.id, money(5_000, 'MAD')));
  expect(await reconcileLedger(ctx.db)).toMatchObject({ clean: true, violations: [] });

  const now = new Date().toISOString();
  const forged = uuidv7();
  // A refund of more than the deposit, its postings balanced but taken from nowhere.
  await ctx.db('ledger_transactions').insert({ id: forged, kind: 'refund', currency: 'MAD', amount: 5_001, refund_of: deposit.id, created_at: now });
  const account = [...deposit.accounts.values()].find((a) => a.userId === user.id) as { id: string };
  await ctx.db('ledger_postings').insert({ id: uuidv7(), transaction_id: forged, account_id: account.id, bucket: 'available', amount: 5_001, currency: 'MAD' });

  const report = await reconcileLedger(ctx.db);
  expect(report.clean).toBe(false);
  expect(report.violations).toEqual(
    expect.arrayContaining([
      `transaction ${forged}: its postings sum to 5001, not zero`,
      'MAD: all postings sum to 5001, not zero',
      `account ${account.id}: available 5000, its postings 10001`,
      `transaction ${deposit.id}: refunded 5001 of 5000`,
    ]),
  );
  expect(report.violations).toHaveLength(4);
});
