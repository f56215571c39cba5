import type { Queryable } from '../../db/tx';
import { Problem } from '../../http/problems';
import { money, type Money } from '../../money';
import type { PostedTransaction, TransactionKind } from './ledger';

/**
 * A wallet's statement: the movements it took part in, newest first, each as the wallet saw it.
 * A movement is the wallet's when it posted to the wallet, or when it resolved one of the
 * wallet's holds (a capture that paid the seller all of it posts nothing back to the buyer, yet
 * ends the buyer's hold). `held` counts the wallet's own held balance and its funds in escrow.
 */

export interface StatementEntry {
  id: string;
  kind: TransactionKind;
  amount: Money;
  change: { available: Money; held: Money };
  memo: string | null;
  createdAt: string;
}

export interface StatementFilter {
  kind?: TransactionKind;
  /** ISO 8601 times, inclusive and exclusive. */
  from?: string;
  to?: string;
  /** The id of the last movement of the previous page. */
  before?: string;
  limit: number;
}

/** The conditions on a movement, for each of the two ways it can be the wallet's. */
function conditions(column: string, filter: StatementFilter): { sql: string; values: string[] } {
  const parts: string[] = [];
  const values: string[] = [];
  const add = (sql: string, value: string | undefined): void => {
    if (value === undefined) return;
    parts.push(sql);
    values.push(value);
  };
  add(`${column} < ?`, filter.before);
  add('t.kind = ?', filter.kind);
  // Stored times are RFC 3339 UTC with milliseconds: compared in that one form on both databases.
  add('t.created_at >= ?', filter.from && new Date(filter.from).toISOString());
  add('t.created_at < ?', filter.to && new Date(filter.to).toISOString());
  return { sql: parts.map((p) => ` AND ${p}`).join(''), values };
}

/** The ids of a page of the wallet's movements (one more than `limit` when there are more). */
export async function statementIds(db: Queryable, accountId: string, filter: StatementFilter): Promise<string[]> {
  const posted = conditions('p.transaction_id', filter);
  const resolved = conditions('h.resolved_by', filter);
  // An account has at most two postings in a movement (one a balance): twice the page covers it.
  const inner = 2 * (filter.limit + 1);
  const rows = (await db.raw(
    `SELECT id FROM (
       SELECT p.transaction_id AS id FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
       WHERE p.account_id = ?${posted.sql} ORDER BY p.transaction_id DESC LIMIT ${inner}
     ) AS posted
     UNION
     SELECT id FROM (
       SELECT h.resolved_by AS id FROM ledger_holds h JOIN ledger_transactions t ON t.id = h.resolved_by
       WHERE h.account_id = ?${resolved.sql} ORDER BY h.resolved_by DESC LIMIT ${inner}
     ) AS resolved
     ORDER BY id DESC LIMIT ${filter.limit + 1}`,
    [accountId, ...posted.values, accountId, ...resolved.values],
  )) as { rows?: { id: string }[] } | { id: string }[];
  return (Array.isArray(rows) ? rows : (rows.rows ?? [])).map((r) => r.id);
}

/**
 * A movement just posted, as one of its accounts saw it, from its own postings: no query. Right
 * for movements that touch no hold (deposits, transfers); the others read back through
 * `statementEntries`, which counts the wallet's holds too.
 */
export function entryOf(posted: PostedTransaction, accountId: string): StatementEntry {
  const { currency } = posted.amount;
  const change = (bucket: 'available' | 'held') => money(posted.postings.filter((p) => p.accountId === accountId && p.bucket === bucket).reduce((sum, p) => sum + p.amount, 0), currency);
  return { id: posted.id, kind: posted.kind, amount: posted.amount, change: { available: change('available'), held: change('held') }, memo: posted.memo, createdAt: posted.createdAt };
}

/** The movements `ids` as the wallet saw them, in the order given; an id not the wallet's is left out. */
export async function statementEntries(db: Queryable, accountId: string, ids: readonly string[]): Promise<StatementEntry[]> {
  if (ids.length === 0) return [];
  // One after the other: on a transaction's single connection, queries cannot run side by side.
  const transactions = (await db('ledger_transactions').select('id', 'kind', 'amount', 'currency', 'memo', 'created_at').whereIn('id', ids)) as { id: string; kind: TransactionKind; amount: number | string; currency: string; memo: string | null; created_at: string }[];
  const postings = (await db('ledger_postings').select('transaction_id', 'bucket').sum({ total: 'amount' }).where({ account_id: accountId }).whereIn('transaction_id', ids).groupBy('transaction_id', 'bucket')) as { transaction_id: string; bucket: string; total: number | string }[];
  const placed = (await db('ledger_holds').select('transaction_id as id', 'amount').where({ account_id: accountId }).whereIn('transaction_id', ids)) as { id: string; amount: number | string }[];
  const resolved = (await db('ledger_holds').select('resolved_by as id', 'amount').where({ account_id: accountId }).whereIn('resolved_by', ids)) as { id: string; amount: number | string }[];
  const change = new Map<string, { available: number; held: number }>();
  const touch = (id: string, bucket: 'available' | 'held', amount: number): void => {
    const entry = change.get(id) ?? { available: 0, held: 0 };
    entry[bucket] += amount;
    change.set(id, entry);
  };
  for (const p of postings) touch(p.transaction_id, p.bucket as 'available' | 'held', Number(p.total));
  for (const h of placed) touch(h.id, 'held', Number(h.amount));
  for (const h of resolved) touch(h.id, 'held', -Number(h.amount));
  const byId = new Map(transactions.map((t) => [t.id, t]));
  return ids.flatMap((id) => {
    const t = byId.get(id);
    const c = change.get(id);
    if (!t || !c) return [];
    return [
      {
        id,
        kind: t.kind,
        amount: money(Number(t.amount), t.currency),
        change: { available: money(c.available, t.currency), held: money(c.held, t.currency) },
        memo: t.memo,
        createdAt: new Date(t.created_at).toISOString(),
      },
    ];
  });
}

/** A movement as the ledger holds it, every posting with its account (admins' view). */
export async function ledgerTransaction(db: Queryable, transactionId: string) {
  const t = (await db('ledger_transactions').where({ id: transactionId }).first()) as
    | { id: string; kind: TransactionKind; amount: number | string; currency: string; initiator_id: string | null; reference: string | null; refund_of: string | null; memo: string | null; created_at: string }
    | undefined;
  if (!t) throw new Problem('not-found', 'No such movement.');
  const postings = (await db('ledger_postings as p').join('ledger_accounts as a', 'a.id', 'p.account_id').select('p.account_id', 'a.kind', 'a.user_id', 'p.bucket', 'p.amount').where('p.transaction_id', transactionId).orderBy('p.id')) as {
    account_id: string;
    kind: string;
    user_id: string | null;
    bucket: 'available' | 'held';
    amount: number | string;
  }[];
  return {
    id: t.id,
    kind: t.kind,
    amount: money(Number(t.amount), t.currency),
    initiatorId: t.initiator_id,
    reference: t.reference,
    refundOf: t.refund_of,
    memo: t.memo,
    postings: postings.map((p) => ({ accountId: p.account_id, accountKind: p.kind as 'wallet', userId: p.user_id, bucket: p.bucket, amount: money(Number(p.amount), t.currency) })),
    createdAt: new Date(t.created_at).toISOString(),
  };
}
