import { v7 as uuidv7 } from 'uuid';
import { withTx } from '../src/db/tx';
import { money } from '../src/money';
import { createTraceService } from '../src/modules/trace/service';
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

it('with the trace log: names an account whose row is not the state its chain recorded, and a logged movement rewritten', async () => {
  const wallet = walletFor(ctx.db, ctx.config, ctx.clock);
  const trace = createTraceService(ctx.db, ctx.config, ctx.clock);
  const [payer, payee] = [await registerUser(ctx, 'buyer'), await registerUser(ctx, 'buyer')];
  await withTx(ctx.db, (tx) => wallet.deposit(tx, payer.id, money(5_000, 'MAD')));
  const transfer = await withTx(ctx.db, (tx) => wallet.transfer(tx, payer.id, payee.id, money(1_200, 'MAD')));
  await trace.integrate();
  // The ledger's own checks pass; so do the log's. (An earlier test's forged rows are left out of the count.)
  const before = (await wallet.reconcile()).violations;
  const payeeAccount = [...transfer.accounts.values()].find((a) => a.userId === payee.id) as { id: string };

  // A version moved behind the service: the postings still add up, the chain's last state does not.
  await ctx.db('ledger_accounts').where({ id: payeeAccount.id }).increment('version', 1);
  expect((await wallet.reconcile()).violations).toEqual([...before, `account ${payeeAccount.id}: its balances are not the state its last event in the trace log recorded`]);
  await ctx.db('ledger_accounts').where({ id: payeeAccount.id }).decrement('version', 1);
  expect((await wallet.reconcile()).violations).toEqual(before);

  // The transfer's event in the payee's chain, its amount rewritten: the audit finds the event.
  const event = (await trace.chain({ type: 'account', id: payeeAccount.id })).at(-1) as unknown as { seq: number; payload: { transaction: { amount: { amount: number } } } };
  const payload = { transaction: { ...event.payload.transaction, amount: { amount: 12_000, currency: 'MAD' } } };
  await ctx.db('trace_events').where({ subject_type: 'account', subject_id: payeeAccount.id, seq: event.seq }).update({ payload_json: JSON.stringify(payload) });
  const violations = (await wallet.reconcile()).violations.filter((v) => !before.includes(v));
  expect(violations.length).toBeGreaterThan(0);
  expect(violations.every((v) => v.startsWith('trace log: '))).toBe(true);
  expect(violations.join('\n')).toContain(payeeAccount.id);
});
