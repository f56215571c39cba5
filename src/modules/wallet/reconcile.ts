import type { Queryable } from '../../db/tx';

/**
 * The ledger checked against its own rules, from the database alone: postings sum to zero per
 * transaction and per currency, every balance is the sum of its postings, no account but funding
 * below zero, escrow holds exactly the open holds. Returns every violation found (none when
 * clean). Later: refunds within their originals, the trace log's entries.
 */
export async function reconcileLedger(db: Queryable): Promise<string[]> {
  const violations: string[] = [];
  const unbalanced = (await db('ledger_postings').select('transaction_id').sum({ total: 'amount' }).groupBy('transaction_id').havingRaw('SUM(amount) <> 0')) as { transaction_id: string; total: number | string }[];
  for (const row of unbalanced) violations.push(`transaction ${row.transaction_id}: its postings sum to ${row.total}, not zero`);
  const byCurrency = (await db('ledger_postings').select('currency').sum({ total: 'amount' }).groupBy('currency')) as { currency: string; total: number | string }[];
  for (const row of byCurrency) if (Number(row.total) !== 0) violations.push(`${row.currency}: all postings sum to ${row.total}, not zero`);

  const balances = (await db('ledger_accounts as a')
    .select('a.id', 'a.kind', 'a.available', 'a.held')
    .select(db.raw("COALESCE(SUM(CASE WHEN p.bucket = 'available' THEN p.amount END), 0) AS posted_available"))
    .select(db.raw("COALESCE(SUM(CASE WHEN p.bucket = 'held' THEN p.amount END), 0) AS posted_held"))
    .leftJoin('ledger_postings as p', 'p.account_id', 'a.id')
    .groupBy('a.id', 'a.kind', 'a.available', 'a.held')) as { id: string; kind: string; available: number | string; held: number | string; posted_available: number | string; posted_held: number | string }[];
  for (const a of balances) {
    if (Number(a.available) !== Number(a.posted_available)) violations.push(`account ${a.id}: available ${a.available}, its postings ${a.posted_available}`);
    if (Number(a.held) !== Number(a.posted_held)) violations.push(`account ${a.id}: held ${a.held}, its postings ${a.posted_held}`);
    if (a.kind !== 'funding' && (Number(a.available) < 0 || Number(a.held) < 0)) violations.push(`${a.kind} account ${a.id} is below zero`);
  }

  const escrow = (await db('ledger_accounts as a')
    .select('a.currency', 'a.held')
    .select(db.raw("(SELECT COALESCE(SUM(h.amount), 0) FROM ledger_holds h WHERE h.currency = a.currency AND h.status = 'open') AS open_holds"))
    .where('a.kind', 'escrow')) as { currency: string; held: number | string; open_holds: number | string }[];
  for (const e of escrow) if (Number(e.held) !== Number(e.open_holds)) violations.push(`escrow ${e.currency}: holds ${e.held}, its open holds ${e.open_holds}`);
  return violations;
}
