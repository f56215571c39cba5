import { v7 as uuidv7 } from 'uuid';
import { isUniqueViolation } from '../../db/errors';
import type { Queryable, Tx } from '../../db/tx';
import { cursorField, decodeCursor, toPage, type Page } from '../../http/pagination';
import { Problem } from '../../http/problems';
import { money } from '../../money';
import { findWallet, underLock } from './accounts';
import type { LedgerContext, TransactionKind } from './ledger';
import { partiesOf, refundMovement } from './refunds';
import { statementEntries } from './statement';

/**
 * A user asks for one of their movements to be refunded; an admin approves (which makes the
 * refund, once) or rejects it. The request is locked and its status checked before anything
 * moves: approving twice, even at the same moment, refunds once.
 */

export interface RefundRequestView {
  id: string;
  transactionId: string;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  refundId: string | null;
  decisionNote: string | null;
  createdAt: string;
  decidedAt: string | null;
}

interface RequestRow {
  id: string;
  transaction_id: string;
  requester_id: string;
  reason: string;
  status: RefundRequestView['status'];
  refund_id: string | null;
  decision_note: string | null;
  created_at: string | Date;
  decided_at: string | Date | null;
}

const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

const viewOf = (row: RequestRow): RefundRequestView => ({
  id: row.id,
  transactionId: row.transaction_id,
  reason: row.reason,
  status: row.status,
  refundId: row.refund_id,
  decisionNote: row.decision_note,
  createdAt: iso(row.created_at) as string,
  decidedAt: iso(row.decided_at),
});

/**
 * A movement the requester may ask to have refunded: one of their wallet's (any other id is not
 * found, whoever it belongs to), of a refundable kind, and theirs to have refunded: they paid it
 * (or, for a deposit, it credited them).
 */
async function checkRequestable(tx: Tx, requesterId: string, transactionId: string): Promise<void> {
  const original = (await tx('ledger_transactions').select('id', 'kind', 'amount', 'currency').where({ id: transactionId }).first()) as { id: string; kind: TransactionKind; amount: number | string; currency: string } | undefined;
  const wallet = original && (await findWallet(tx, requesterId, original.currency));
  if (!original || !wallet || (await statementEntries(tx, wallet.id, [original.id])).length === 0) throw new Problem('not-found', 'No movement of your wallet has this id.');
  const parties = await partiesOf(tx, { id: original.id, kind: original.kind, amount: money(Number(original.amount), original.currency) });
  const theirs = original.kind === 'deposit' ? parties.beneficiaries.some((b) => b.accountId === wallet.id) : parties.payer === wallet.id;
  if (!theirs) throw new Problem('not-refundable', 'Only the wallet that paid a movement can ask for its refund.');
}

export async function requestRefund(tx: Tx, requesterId: string, transactionId: string, reason: string, now: string): Promise<RefundRequestView> {
  await checkRequestable(tx, requesterId, transactionId);
  const row: RequestRow = { id: uuidv7(), transaction_id: transactionId, requester_id: requesterId, reason, status: 'pending', refund_id: null, decision_note: null, created_at: now, decided_at: null };
  try {
    await tx('refund_requests').insert(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new Problem('conflict', 'A refund of this movement is already requested and waits for a decision.');
    throw err;
  }
  return viewOf(row);
}

/** The requester's own requests, newest first. */
export async function requestsOf(db: Queryable, requesterId: string, limit: number, cursor: string | undefined): Promise<Page<RefundRequestView>> {
  const after = decodeCursor(cursor, { id: cursorField.id });
  const query = db('refund_requests').where({ requester_id: requesterId }).orderBy('id', 'desc').limit(limit + 1);
  if (after) query.where('id', '<', String(after.id));
  return toPage((await query) as RequestRow[], limit, (row) => ({ id: row.id }), viewOf);
}

/** One request: its requester's, or any for an admin. */
export async function findRequest(db: Queryable, id: string, requesterId: string | null): Promise<RefundRequestView> {
  const row = (await db('refund_requests').where({ id }).first()) as RequestRow | undefined;
  if (!row || (requesterId !== null && row.requester_id !== requesterId)) throw new Problem('not-found', 'No such refund request.');
  return viewOf(row);
}

async function lockedPending(tx: Tx, id: string): Promise<RequestRow> {
  const row = (await underLock(tx, tx('refund_requests').where({ id }).first())) as RequestRow | undefined;
  if (!row) throw new Problem('not-found', 'No such refund request.');
  if (row.status !== 'pending') throw new Problem('invalid-state-transition', `The request is already ${row.status}.`);
  return row;
}

export async function decideRequest(tx: Tx, adminId: string, id: string, decision: 'approve' | 'reject', note: string | null, ctx: LedgerContext): Promise<RefundRequestView> {
  const { now } = ctx;
  const row = await lockedPending(tx, id);
  const refund = decision === 'approve' ? await refundMovement(tx, row.transaction_id, { reason: row.reason, initiatorId: adminId }, ctx) : null;
  const decided: RequestRow = { ...row, status: refund ? 'approved' : 'rejected', refund_id: refund?.id ?? null, decision_note: note, decided_at: now };
  await tx('refund_requests').where({ id, status: 'pending' }).update({ status: decided.status, refund_id: decided.refund_id, decided_by: adminId, decision_note: note, decided_at: now });
  return viewOf(decided);
}
