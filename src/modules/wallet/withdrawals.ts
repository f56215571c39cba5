import { v7 as uuidv7 } from 'uuid';
import type { Queryable, Tx } from '../../db/tx';
import { Problem } from '../../http/problems';
import { money, type Money } from '../../money';
import { openAccount, underLock } from './accounts';
import { moveBetween, type LedgerContext } from './ledger';
import type { Destination, PayoutResult } from './payment-provider';

/**
 * Money leaving a wallet for a bank account. The request holds the funds in the wallet (its
 * `held` balance) and records the withdrawal as pending; the payout provider's answer then
 * settles it once: paid (held → the platform's payouts account) or failed (held → available).
 * The full account number is kept only while the withdrawal is pending (a payout that could not
 * be asked for is asked again from it) and erased as it settles; the masked one stays.
 */

export interface WithdrawalView {
  id: string;
  amount: Money;
  destination: { type: 'rib' | 'iban'; masked: string };
  status: 'pending' | 'paid' | 'failed';
  failureReason: string | null;
  createdAt: string;
  settledAt: string | null;
}

interface WithdrawalRow {
  id: string;
  account_id: string;
  transaction_id: string;
  amount: number | string;
  currency: string;
  destination_type: 'rib' | 'iban';
  destination_masked: string;
  payout_account: string | null;
  status: WithdrawalView['status'];
  settled_by: string | null;
  failure_reason: string | null;
  created_at: string | Date;
  settled_at: string | Date | null;
}

const viewOf = (row: WithdrawalRow): WithdrawalView => ({
  id: row.id,
  amount: money(Number(row.amount), row.currency),
  destination: { type: row.destination_type, masked: row.destination_masked },
  status: row.status,
  failureReason: row.failure_reason,
  createdAt: new Date(row.created_at).toISOString(),
  settledAt: row.settled_at === null ? null : new Date(row.settled_at).toISOString(),
});

/** The remainder of a long decimal number (as text) divided by 97, digit by digit. */
const mod97 = (digits: string): number => [...digits].reduce((rest, digit) => (rest * 10 + Number(digit)) % 97, 0);

const invalid = (path: string, message: string): Problem => new Problem('validation-error', `The bank account is not valid: ${message}.`, { errors: [{ path, message }] });

/**
 * A destination checked as banks check it: a Moroccan RIB is 24 digits whose last two (the RIB
 * key) make the whole a multiple of 97; an IBAN (ISO 13616) is a country code, two check digits
 * and the account, its letters turned into numbers and moved so, leaving 1 modulo 97. Spaces are
 * ignored; the account is masked to its last four characters.
 */
export function checkDestination(destination: Destination): { type: 'rib' | 'iban'; value: string; masked: string } {
  if ('rib' in destination) {
    const rib = destination.rib.replace(/\s+/g, '');
    if (!/^\d{24}$/.test(rib)) throw invalid('/destination/rib', 'must be 24 digits');
    if (mod97(rib) !== 0) throw invalid('/destination/rib', 'the RIB key does not match the account');
    return { type: 'rib', value: rib, masked: `**** ${rib.slice(-4)}` };
  }
  const iban = destination.iban.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) throw invalid('/destination/iban', 'must be a country code, two check digits and 11 to 30 letters or digits');
  const rearranged = `${iban.slice(4)}${iban.slice(0, 4)}`.replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
  if (mod97(rearranged) !== 1) throw invalid('/destination/iban', 'its check digits do not match');
  return { type: 'iban', value: iban, masked: `${iban.slice(0, 4)} **** ${iban.slice(-4)}` };
}

export async function requestWithdrawal(tx: Tx, userId: string, amount: Money, destination: ReturnType<typeof checkDestination>, ctx: LedgerContext): Promise<WithdrawalView> {
  const wallet = await openAccount(tx, 'wallet', amount.currency, ctx.now, userId);
  const movement = await moveBetween(tx, { kind: 'withdrawal', amount, initiatorId: userId }, { accountId: wallet.id, bucket: 'available' }, { accountId: wallet.id, bucket: 'held' }, ctx);
  const row: WithdrawalRow = {
    id: uuidv7(),
    account_id: wallet.id,
    transaction_id: movement.id,
    amount: amount.amount,
    currency: amount.currency,
    destination_type: destination.type,
    destination_masked: destination.masked,
    payout_account: destination.value,
    status: 'pending',
    settled_by: null,
    failure_reason: null,
    created_at: ctx.now,
    settled_at: null,
  };
  await tx('ledger_withdrawals').insert(row);
  return viewOf(row);
}

/**
 * The provider's answer applied, once: a withdrawal no longer pending is left as it is (a
 * provider may say the same thing twice), so the money moves one way at most.
 */
export async function settleWithdrawal(tx: Tx, id: string, result: PayoutResult, ctx: LedgerContext): Promise<WithdrawalView> {
  const row = (await underLock(tx, tx('ledger_withdrawals').where({ id }).first())) as WithdrawalRow | undefined;
  if (!row) throw new Problem('not-found', 'No such withdrawal.');
  if (row.status !== 'pending') return viewOf(row);
  const amount = Number(row.amount);
  const payouts = await openAccount(tx, 'payouts', row.currency, ctx.now);
  const paid = result.status === 'paid';
  const movement = await moveBetween(
    tx,
    { kind: paid ? 'payout' : 'payout_failed', amount: money(amount, row.currency), reference: paid ? result.providerReference : null, memo: paid ? null : result.reason },
    { accountId: row.account_id, bucket: 'held' },
    // Paid: to the platform's payouts account; failed: back to the wallet's available balance.
    { accountId: paid ? payouts.id : row.account_id, bucket: 'available' },
    ctx,
  );
  const settled: WithdrawalRow = { ...row, status: paid ? 'paid' : 'failed', payout_account: null, settled_by: movement.id, failure_reason: paid ? null : result.reason, settled_at: ctx.now };
  await tx('ledger_withdrawals')
    .where({ id, status: 'pending' })
    .update({ status: settled.status, payout_account: null, settled_by: settled.settled_by, failure_reason: settled.failure_reason, settled_at: ctx.now });
  return viewOf(settled);
}

/** A payout to ask the provider for: the withdrawal's id is its reference, so asking twice pays once. */
export interface PayoutRequest {
  reference: string;
  amount: Money;
  destination: Destination;
}

/**
 * Pending withdrawals requested before `before`, oldest first: payouts whose answer never came
 * (the server stopped after the request committed, or the provider did not answer).
 */
export async function pendingPayouts(db: Queryable, before: string, limit: number): Promise<PayoutRequest[]> {
  const rows = (await db('ledger_withdrawals')
    .where({ status: 'pending' })
    .where('created_at', '<', before)
    .whereNotNull('payout_account')
    .orderBy('id')
    .limit(limit)) as WithdrawalRow[];
  return rows.map((row) => ({ reference: row.id, amount: money(Number(row.amount), row.currency), destination: payoutDestination(row.destination_type, row.payout_account as string) }));
}

/** A checked account as the payout provider takes it. */
export const payoutDestination = (type: 'rib' | 'iban', account: string): Destination => (type === 'rib' ? { rib: account } : { iban: account });

/** One of the user's withdrawals; anyone else's is not found. */
export async function findWithdrawal(db: Queryable, userId: string, id: string): Promise<WithdrawalView> {
  const row = (await db('ledger_withdrawals as w').join('ledger_accounts as a', 'a.id', 'w.account_id').select('w.*').where({ 'w.id': id, 'a.user_id': userId }).first()) as WithdrawalRow | undefined;
  if (!row) throw new Problem('not-found', 'No withdrawal of yours has this id.');
  return viewOf(row);
}
