import { v7 as uuidv7 } from 'uuid';
import type { Queryable, Tx } from '../../db/tx';
import { Problem } from '../../http/problems';
import { compare, money, splitByRate, subtract, type Money, type Rate } from '../../money';
import { openAccount, underLock } from './accounts';
import { moveBetween, postMovement, type LedgerContext, type PostedTransaction, type PostingInput } from './ledger';

/**
 * Escrow for the order flow: funds taken from a buyer's wallet into the platform's escrow account
 * for an opaque reference (never an order id), then captured to a payee (less the commission, to
 * the fees account; what is not captured goes back to the buyer, all in one movement) or voided
 * back to the buyer. A hold resolves once: its row is locked and its status checked first, so a
 * second capture or void, concurrent or not, is refused and moves nothing.
 */

export interface Hold {
  id: string;
  accountId: string;
  reference: string;
  amount: Money;
  status: 'open' | 'captured' | 'voided';
  transactionId: string;
  resolvedBy: string | null;
}

interface HoldRow {
  id: string;
  account_id: string;
  reference: string;
  amount: number | string;
  currency: string;
  status: Hold['status'];
  transaction_id: string;
  resolved_by: string | null;
}

const holdOf = (row: HoldRow): Hold => ({
  id: row.id,
  accountId: row.account_id,
  reference: row.reference,
  amount: money(Number(row.amount), row.currency),
  status: row.status,
  transactionId: row.transaction_id,
  resolvedBy: row.resolved_by,
});

export async function placeHold(tx: Tx, userId: string, amount: Money, reference: string, ctx: LedgerContext): Promise<{ hold: Hold; transaction: PostedTransaction }> {
  const wallet = await openAccount(tx, 'wallet', amount.currency, ctx.now, userId);
  const escrow = await openAccount(tx, 'escrow', amount.currency, ctx.now);
  const transaction = await moveBetween(tx, { kind: 'hold', amount, reference, initiatorId: userId }, { accountId: wallet.id, bucket: 'available' }, { accountId: escrow.id, bucket: 'held' }, ctx);
  const row: HoldRow = { id: uuidv7(), account_id: wallet.id, reference, amount: amount.amount, currency: amount.currency, status: 'open', transaction_id: transaction.id, resolved_by: null };
  await tx('ledger_holds').insert({ ...row, created_at: ctx.now });
  return { hold: holdOf(row), transaction };
}

/** The hold, locked for its resolution; refused unless it is open. */
async function openHold(tx: Tx, holdId: string): Promise<Hold> {
  const row = (await underLock(tx, tx('ledger_holds').select('*').where({ id: holdId }).first())) as HoldRow | undefined;
  if (!row) throw new Problem('not-found', 'No such hold.');
  if (row.status !== 'open') throw new Problem('invalid-state-transition', `The hold is already ${row.status}.`);
  return holdOf(row);
}

async function resolve(tx: Tx, hold: Hold, status: 'captured' | 'voided', transaction: PostedTransaction, now: string): Promise<Hold> {
  await tx('ledger_holds').where({ id: hold.id, status: 'open' }).update({ status, resolved_by: transaction.id, resolved_at: now });
  return { ...hold, status, resolvedBy: transaction.id };
}

export interface Capture {
  /** Who is paid: the seller's user id. */
  payeeId: string;
  /** How much of the hold is captured (all of it when absent); the rest goes back to the buyer. */
  amount?: Money;
  /**
   * The platform's commission: a rate of what is captured, or an amount the caller computed (an
   * order's, frozen when it was placed), at most what is captured.
   */
  commission: Rate | Money;
}

/** The commission and the payee's rest of a captured amount. */
function shareOf(captured: Money, commission: Rate | Money): { part: Money; rest: Money } {
  if ('numerator' in commission) return splitByRate(captured, commission);
  if (commission.currency !== captured.currency || commission.amount < 0 || compare(commission, captured) > 0) {
    throw new Problem('validation-error', `A commission is at least nothing and at most the ${captured.amount} captured, in ${captured.currency}.`);
  }
  return { part: commission, rest: subtract(captured, commission) };
}

export async function captureHold(tx: Tx, holdId: string, capture: Capture, ctx: LedgerContext): Promise<{ hold: Hold; transaction: PostedTransaction; commission: Money }> {
  const hold = await openHold(tx, holdId);
  const captured = capture.amount ?? hold.amount;
  if (captured.currency !== hold.amount.currency || captured.amount <= 0 || compare(captured, hold.amount) > 0) {
    throw new Problem('validation-error', `A capture takes more than nothing and at most the ${hold.amount.amount} held, in ${hold.amount.currency}.`);
  }
  const { currency } = hold.amount;
  const escrow = await openAccount(tx, 'escrow', currency, ctx.now);
  const payee = await openAccount(tx, 'wallet', currency, ctx.now, capture.payeeId);
  const fees = await openAccount(tx, 'fees', currency, ctx.now);
  const { part: commission, rest: toPayee } = shareOf(captured, capture.commission);
  const back = subtract(hold.amount, captured);
  const postings: PostingInput[] = [
    { accountId: escrow.id, bucket: 'held', amount: -hold.amount.amount },
    { accountId: payee.id, bucket: 'available', amount: toPayee.amount },
    { accountId: fees.id, bucket: 'available', amount: commission.amount },
    { accountId: hold.accountId, bucket: 'available', amount: back.amount },
  ].filter((p) => p.amount !== 0) as PostingInput[];
  const transaction = await postMovement(tx, { kind: 'capture', amount: captured, reference: hold.reference, postings }, ctx);
  return { hold: await resolve(tx, hold, 'captured', transaction, ctx.now), transaction, commission };
}

export async function voidHold(tx: Tx, holdId: string, ctx: LedgerContext): Promise<{ hold: Hold; transaction: PostedTransaction }> {
  const hold = await openHold(tx, holdId);
  const escrow = await openAccount(tx, 'escrow', hold.amount.currency, ctx.now);
  const transaction = await moveBetween(tx, { kind: 'void', amount: hold.amount, reference: hold.reference }, { accountId: escrow.id, bucket: 'held' }, { accountId: hold.accountId, bucket: 'available' }, ctx);
  return { hold: await resolve(tx, hold, 'voided', transaction, ctx.now), transaction };
}

/** What a wallet has in escrow: its open holds. */
export async function heldInEscrow(db: Queryable, accountId: string, currency: string): Promise<Money> {
  const row = (await db('ledger_holds').sum({ total: 'amount' }).where({ account_id: accountId, status: 'open' }).first()) as { total: number | string | null } | undefined;
  return money(Number(row?.total ?? 0), currency);
}
