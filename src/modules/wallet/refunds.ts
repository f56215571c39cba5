import type { Queryable, Tx } from '../../db/tx';
import { Problem } from '../../http/problems';
import { allocate, money, type Money } from '../../money';
import { underLock } from './accounts';
import { LedgerInvariantError, postMovement, type LedgerContext, type PostedTransaction, type TransactionKind } from './ledger';

/**
 * Refunds: a movement reversed, in full or in part, by a new movement linked to it. The parties
 * are the original's: its payer gets the refund, its beneficiaries give it back in proportion to
 * what they got (a capture's seller and the commission alike). The original is locked and its
 * refunds summed first, so refunds never add up to more than it, however many run at once.
 */

const REFUNDABLE: readonly TransactionKind[] = ['deposit', 'transfer', 'capture'];

interface Original {
  id: string;
  kind: TransactionKind;
  amount: Money;
}

interface Parties {
  payer: string;
  beneficiaries: { accountId: string; amount: number }[];
}

/** The movement, locked for its refund (SQLite: the write lock, taken first). */
async function lockedOriginal(tx: Tx, transactionId: string): Promise<Original> {
  const row = (await underLock(tx, tx('ledger_transactions').select('id', 'kind', 'amount', 'currency').where({ id: transactionId }).first())) as { id: string; kind: TransactionKind; amount: number | string; currency: string } | undefined;
  if (!row) throw new Problem('not-found', 'No such movement.');
  return { id: row.id, kind: row.kind, amount: money(Number(row.amount), row.currency) };
}

/** Who paid and who got what in a refundable movement (its `available` postings). */
export async function partiesOf(db: Queryable, original: Original): Promise<Parties> {
  if (!REFUNDABLE.includes(original.kind)) throw new Problem('not-refundable', `A ${original.kind} cannot be refunded; deposits, transfers and captured payments can.`);
  const postings = (await db('ledger_postings').select('account_id', 'amount').where({ transaction_id: original.id, bucket: 'available' })) as { account_id: string; amount: number | string }[];
  // A capture's payer is the buyer whose hold it took (its own posting, if any, is change back).
  const payer =
    original.kind === 'capture'
      ? ((await db('ledger_holds').where({ resolved_by: original.id }).first('account_id')) as { account_id: string }).account_id
      : (postings.find((p) => Number(p.amount) < 0) as { account_id: string }).account_id;
  const beneficiaries = postings.filter((p) => Number(p.amount) > 0 && p.account_id !== payer).map((p) => ({ accountId: p.account_id, amount: Number(p.amount) }));
  return { payer, beneficiaries };
}

/** What of the movement was refunded already. */
async function refundedSoFar(tx: Tx, original: Original): Promise<number> {
  const row = (await tx('ledger_transactions').where({ refund_of: original.id, kind: 'refund' }).sum({ total: 'amount' }).first()) as { total: number | string | null } | undefined;
  return Number(row?.total ?? 0);
}

/**
 * What each beneficiary gives back: its share of everything refunded so far including this one,
 * less its share of what was refunded before. Shares of the running total, not of each refund:
 * rounding each refund alone could take a minor unit more from one party than it ever got.
 * (Largest remainders are monotone for the one or two parties a refundable movement has.)
 */
function refundShares(parties: Parties, soFar: number, amount: Money): number[] {
  const weights = parties.beneficiaries.map((b) => b.amount);
  const before = soFar > 0 ? allocate(money(soFar, amount.currency), weights) : weights.map(() => money(0, amount.currency));
  const after = allocate(money(soFar + amount.amount, amount.currency), weights);
  const shares = after.map((share, i) => share.amount - (before[i] as Money).amount);
  if (shares.some((share) => share < 0)) throw new LedgerInvariantError('a refund share went below zero');
  return shares;
}

export interface RefundInput {
  /** All that is left to refund when absent. */
  amount?: Money;
  reason: string;
  initiatorId: string;
}

export async function refundMovement(tx: Tx, transactionId: string, input: RefundInput, ctx: LedgerContext): Promise<PostedTransaction> {
  const original = await lockedOriginal(tx, transactionId);
  const parties = await partiesOf(tx, original);
  const soFar = await refundedSoFar(tx, original);
  const left = original.amount.amount - soFar;
  const amount = input.amount ?? money(left, original.amount.currency);
  if (amount.currency !== original.amount.currency) throw new Problem('validation-error', `The movement was in ${original.amount.currency}.`, { errors: [{ path: '/amount/currency', message: `must be ${original.amount.currency}` }] });
  if (left <= 0 || amount.amount > left) throw new Problem('refund-exceeds-original', `${left} of the movement's ${original.amount.amount} (minor units) is left to refund; ${amount.amount} asked.`);
  const shares = refundShares(parties, soFar, amount);
  return postMovement(
    tx,
    {
      kind: 'refund',
      amount,
      refundOf: original.id,
      memo: input.reason,
      initiatorId: input.initiatorId,
      postings: [
        ...parties.beneficiaries.map((b, i) => ({ accountId: b.accountId, bucket: 'available' as const, amount: -(shares[i] as number) })),
        { accountId: parties.payer, bucket: 'available', amount: amount.amount },
      ],
    },
    ctx,
  );
}
