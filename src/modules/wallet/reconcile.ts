import type { Queryable } from '../../db/tx';
import type { TraceService } from '../trace/service';
import { accountSnapshot } from './ledger';
import { everyAccount } from './accounts';

/**
 * The ledger checked against its own rules, from the database alone (docs/wallet.md). Each check
 * is one aggregate query naming what breaks the rule; a clean ledger gives none. Then, with the
 * trace log (`reconcileWithLog`): every account's stored balances against the state its chain
 * last recorded, and the whole log audited (every chain's links and hashes, the Merkle tree).
 */

export interface Reconciliation {
  clean: boolean;
  violations: string[];
  checked: { accounts: number; transactions: number; postings: number; holds: number };
}

const MAX_VIOLATIONS = 1000;
type Check = (db: Queryable) => Promise<string[]>;
type Rows<T> = Promise<T[]>;

const CHECKS: [name: string, check: Check][] = [
  [
    'every transaction balances',
    async (db) =>
      ((await db('ledger_postings').select('transaction_id').sum({ total: 'amount' }).groupBy('transaction_id').havingRaw('SUM(amount) <> 0')) as { transaction_id: string; total: number | string }[]).map(
        (r) => `transaction ${r.transaction_id}: its postings sum to ${r.total}, not zero`,
      ),
  ],
  [
    'every currency balances',
    async (db) =>
      ((await db('ledger_postings').select('currency').sum({ total: 'amount' }).groupBy('currency')) as { currency: string; total: number | string }[])
        .filter((r) => Number(r.total) !== 0)
        .map((r) => `${r.currency}: all postings sum to ${r.total}, not zero`),
  ],
  [
    'every balance is the sum of its postings, none below zero but funding',
    async (db) => {
      const rows = (await db('ledger_accounts as a')
        .select('a.id', 'a.kind', 'a.available', 'a.held')
        .select(db.raw("COALESCE(SUM(CASE WHEN p.bucket = 'available' THEN p.amount END), 0) AS posted_available"))
        .select(db.raw("COALESCE(SUM(CASE WHEN p.bucket = 'held' THEN p.amount END), 0) AS posted_held"))
        .leftJoin('ledger_postings as p', 'p.account_id', 'a.id')
        .groupBy('a.id', 'a.kind', 'a.available', 'a.held')) as Awaited<Rows<{ id: string; kind: string; available: number | string; held: number | string; posted_available: number | string; posted_held: number | string }>>;
      return rows.flatMap((a) => [
        ...(Number(a.available) !== Number(a.posted_available) ? [`account ${a.id}: available ${a.available}, its postings ${a.posted_available}`] : []),
        ...(Number(a.held) !== Number(a.posted_held) ? [`account ${a.id}: held ${a.held}, its postings ${a.posted_held}`] : []),
        ...(a.kind !== 'funding' && (Number(a.available) < 0 || Number(a.held) < 0) ? [`${a.kind} account ${a.id} is below zero`] : []),
      ]);
    },
  ],
  [
    'escrow holds exactly the open holds',
    async (db) =>
      ((await db('ledger_accounts as a')
        .select('a.currency', 'a.held')
        .select(db.raw("(SELECT COALESCE(SUM(h.amount), 0) FROM ledger_holds h WHERE h.currency = a.currency AND h.status = 'open') AS open_holds"))
        .where('a.kind', 'escrow')) as { currency: string; held: number | string; open_holds: number | string }[])
        .filter((e) => Number(e.held) !== Number(e.open_holds))
        .map((e) => `escrow ${e.currency}: holds ${e.held}, its open holds ${e.open_holds}`),
  ],
  [
    'every capture or void resolves exactly one hold',
    async (db) =>
      ((await db('ledger_transactions as t')
        .select('t.id', 't.kind')
        .select(db.raw('(SELECT COUNT(*) FROM ledger_holds h WHERE h.resolved_by = t.id) AS resolved'))
        .whereIn('t.kind', ['capture', 'void'])) as { id: string; kind: string; resolved: number | string }[])
        .filter((t) => Number(t.resolved) !== 1)
        .map((t) => `${t.kind} ${t.id} resolves ${t.resolved} holds, not one`),
  ],
  [
    'refunds stay within their originals',
    async (db) =>
      ((await db('ledger_transactions as r')
        .join('ledger_transactions as o', 'o.id', 'r.refund_of')
        .select('o.id', 'o.amount')
        .sum({ refunded: 'r.amount' })
        .groupBy('o.id', 'o.amount')
        .havingRaw('SUM(r.amount) > o.amount')) as { id: string; amount: number | string; refunded: number | string }[]).map((o) => `transaction ${o.id}: refunded ${o.refunded} of ${o.amount}`),
  ],
];

async function count(db: Queryable, table: string): Promise<number> {
  return Number(((await db(table).count({ n: '*' })) as { n: number | string }[])[0]?.n ?? 0);
}

type Progress = (done: number, total: number, name: string) => void;

/** Every check run, `progress` told after each; violations listed up to a thousand. */
export async function reconcileLedger(db: Queryable, progress: Progress = () => undefined, more: [name: string, check: Check][] = []): Promise<Reconciliation> {
  const violations: string[] = [];
  const checks = [...CHECKS, ...more];
  for (const [i, [name, check]] of checks.entries()) {
    violations.push(...(await check(db)).slice(0, MAX_VIOLATIONS - violations.length));
    progress(i + 1, checks.length, name);
  }
  // One after the other: `db` may be a transaction, whose one connection runs one query at a time.
  const checked = { accounts: await count(db, 'ledger_accounts'), transactions: await count(db, 'ledger_transactions'), postings: await count(db, 'ledger_postings'), holds: await count(db, 'ledger_holds') };
  return { clean: violations.length === 0, violations, checked };
}

/** What the reconciliation needs of the trace log. */
export type LedgerLog = Pick<TraceService, 'statesNotRecorded' | 'auditLog'>;

/**
 * The ledger's own checks, then its place in the trace log: each account that moved is the state
 * its chain last recorded (a balance edited in its table, or an account written behind the
 * service, shows here), and the whole log is intact (its problems, each named, as violations).
 */
export function reconcileWithLog(db: Queryable, log: LedgerLog, progress?: Progress): Promise<Reconciliation> {
  return reconcileLedger(db, progress, [
    [
      'every account is the state its chain in the trace log last recorded',
      async (q) => {
        // An account opened but never moved has no event, and nothing to disagree with.
        const moved = (await everyAccount(q)).filter((account) => account.version > 0);
        const differing = await log.statesNotRecorded('account', moved.map((account) => ({ id: account.id, state: accountSnapshot(account) })));
        return differing.map(({ id, reason }) =>
          reason === 'no-events' ? `account ${id}: it moved, but has no event in the trace log` : `account ${id}: its balances are not the state its last event in the trace log recorded`,
        );
      },
    ],
    ['the trace log is intact', async () => (await log.auditLog()).problems.map((problem) => `trace log: ${problem}`)],
  ]);
}
