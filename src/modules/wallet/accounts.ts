import type { Knex } from 'knex';
import { v7 as uuidv7 } from 'uuid';
import { dialectOf } from '../../db/knex';
import type { Queryable, Tx } from '../../db/tx';

/** A user's wallet, or one of the platform's accounts (docs/wallet.md). */
export type AccountKind = 'wallet' | 'funding' | 'payouts' | 'escrow' | 'fees';
export type PlatformKind = Exclude<AccountKind, 'wallet'>;
export type Bucket = 'available' | 'held';

export interface Account {
  id: string;
  kind: AccountKind;
  userId: string | null;
  currency: string;
  available: number;
  held: number;
  version: number;
}

interface AccountRow {
  id: string;
  kind: AccountKind;
  user_id: string | null;
  currency: string;
  available: number | string;
  held: number | string;
  version: number | string;
}

const COLUMNS = ['id', 'kind', 'user_id', 'currency', 'available', 'held', 'version'];

const accountOf = (row: AccountRow): Account => ({
  id: row.id,
  kind: row.kind,
  userId: row.user_id,
  currency: row.currency,
  available: Number(row.available),
  held: Number(row.held),
  version: Number(row.version),
});

/** Every account, in id order (a reconciliation's read). */
export async function everyAccount(db: Queryable): Promise<Account[]> {
  return ((await db('ledger_accounts').select(COLUMNS).orderBy('id')) as AccountRow[]).map(accountOf);
}

/** The wallet of a user in a currency, if it was ever opened. */
export async function findWallet(db: Queryable, userId: string, currency: string): Promise<Account | undefined> {
  const row = (await db('ledger_accounts').select(COLUMNS).where({ user_id: userId, currency }).first()) as AccountRow | undefined;
  return row && accountOf(row);
}

/**
 * The account, opened at zero the first time it is needed. Concurrent first uses both insert
 * "if absent" and read the one row that won.
 */
export async function openAccount(tx: Tx, kind: AccountKind, currency: string, now: string, userId: string | null = null): Promise<Account> {
  const where = kind === 'wallet' ? { user_id: userId, currency } : { kind, currency, user_id: null };
  const existing = (await tx('ledger_accounts').select(COLUMNS).where(where).first()) as AccountRow | undefined;
  if (existing) return accountOf(existing);
  const conflict = kind === 'wallet' ? ['user_id', 'currency'] : tx.raw('(kind, currency) WHERE user_id IS NULL');
  await tx('ledger_accounts')
    .insert({ id: uuidv7(), kind, user_id: userId, currency, available: 0, held: 0, version: 0, created_at: now })
    .onConflict(conflict as never)
    .ignore();
  return accountOf((await tx('ledger_accounts').select(COLUMNS).where(where).first()) as AccountRow);
}

/**
 * The accounts a movement touches, read under lock in one fixed order (their ids), so that two
 * movements over the same accounts queue instead of deadlocking (see `underLock`).
 */
export async function lockAccounts(tx: Tx, ids: readonly string[]): Promise<Map<string, Account>> {
  const rows = (await underLock(tx, tx('ledger_accounts').select(COLUMNS).whereIn('id', [...new Set(ids)]).orderBy('id'))) as AccountRow[];
  return new Map(rows.map((row) => [row.id, accountOf(row)]));
}

/**
 * A read whose rows nothing else may change before the transaction ends: on PostgreSQL their row
 * locks (FOR UPDATE); on SQLite the database's write lock, which the transaction holds since it
 * began (withTx). Every decision
 * of the wallet that reads then writes (a balance, a hold's, a request's or a withdrawal's status,
 * an original's refunds) reads through this.
 */
export async function underLock(tx: Tx, query: Knex.QueryBuilder): Promise<unknown> {
  if (dialectOf(tx) === 'postgresql') query.forUpdate();
  return query;
}

