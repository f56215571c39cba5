import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { dbErrorKind } from './errors';
import { dialectOf, sqliteConnectionOf, type Db } from './knex';

declare const OPEN_TRANSACTION: unique symbol;

/**
 * The handle of an open transaction. A function that must run inside one takes a `Tx`, and the
 * root handle (`Db`) is not one: forgetting to pass the transaction is a type error, not a wait
 * for SQLite's one pooled connection until knex gives up, nor a write that PostgreSQL silently
 * runs outside the transaction.
 */
export type Tx = Knex.Transaction & { readonly [OPEN_TRANSACTION]: true };

/** A handle for reads that are right in a transaction or out of one. */
export type Queryable = Db | Tx;

export interface TxOptions {
  /**
   * Further attempts when the database refuses the transaction for a conflict with another
   * (PostgreSQL serialization failure or deadlock, SQLite busy): 3 unless said otherwise.
   */
  retries?: number;
}

const DEFAULT_RETRIES = 3;

type Callback = () => unknown;
const afterCommitCallbacks = new WeakMap<Knex.Transaction, Callback[]>();

/** 10–20 ms, then 20–40 ms, 40–80 ms…: random, so that the transactions that collided part ways. */
const backoff = (attempt: number): number => 10 * 2 ** attempt * (1 + Math.random());

/**
 * Runs `work` in a transaction: committed when it resolves, rolled back when it throws. A
 * transaction the database refused for a conflict is run again from the start, a bounded number of
 * times, so `work` must do nothing outside the database that cannot be repeated: what must happen
 * once the change is durable goes to `afterCommit`.
 *
 * The root handle only: a transaction inside another is not a thing this code base does (pass the
 * caller's `Tx` down instead).
 */
export async function withTx<T>(db: Db, work: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  let lockWaitSince: number | undefined;
  for (let attempt = 0; ; attempt += 1) {
    const callbacks: Callback[] = [];
    let result: T;
    try {
      result = await db.transaction(async (trx) => {
        takeSqliteWriteLock(db);
        afterCommitCallbacks.set(trx, callbacks);
        return work(trx as Tx);
      });
    } catch (err) {
      if (err instanceof WriteLockBusy) {
        // Not a conflict: another worker's transaction, a millisecond or so long. Not counted as
        // an attempt; refused (503) only when the wait outlasts what busy_timeout would allow.
        lockWaitSince ??= Date.now();
        if (Date.now() - lockWaitSince > WRITE_LOCK_PATIENCE_MS) throw Object.assign(err, { code: 'SQLITE_BUSY' });
        attempt -= 1;
        await sleep(1);
        continue;
      }
      if (attempt >= retries || dbErrorKind(err) !== 'serialization') throw err;
      await sleep(backoff(attempt));
      continue;
    }
    await runCallbacks(callbacks);
    return result;
  }
}

/**
 * SQLite: every transaction of withTx writes, so it takes the database's write lock at once, as
 * `BEGIN IMMEDIATE` would (knex begins with a plain BEGIN). A transaction that first read under a
 * shared lock could not take the write lock once another process had committed since (SQLITE_BUSY
 * at once, busy_timeout or not, since its reads are stale): it would fail and run again, over and
 * over under load from several workers. (A statement that could write takes the lock even when it
 * changes no row.) Run on the driver: the transaction's connection is the pool's only one, and
 * this is its first statement.
 *
 * The lock is tried without waiting: SQLite's busy handler waits by sleeping, which in a
 * synchronous driver stops the whole worker (its other requests' parsing, validation, answers)
 * for 1, 2, 5, 10… ms each time another worker holds the lock. Refused, the transaction is rolled
 * back at once and tried again a moment later from the event loop (withTx), so the worker goes on
 * with its other requests meanwhile. PostgreSQL needs none of this: rows are locked where they are
 * read (`lockRows`, `forUpdate`).
 */
const SQLITE_WRITE_LOCK = 'UPDATE knex_migrations_lock SET is_locked = is_locked WHERE 0';
/** The connections' busy_timeout (knex.ts), put back once the lock is tried. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

class WriteLockBusy extends Error {
  override readonly name = 'WriteLockBusy';
}

function takeSqliteWriteLock(db: Db): void {
  const connection = dialectOf(db) === 'sqlite' ? sqliteConnectionOf(db) : undefined;
  if (!connection) return;
  connection.pragma('busy_timeout = 0');
  try {
    (connection.prepare(SQLITE_WRITE_LOCK) as { run(): unknown }).run();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new WriteLockBusy('another connection holds the write lock');
    throw err;
  } finally {
    connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}

/** How long a transaction keeps trying for SQLite's write lock before it is refused as busy (503). */
const WRITE_LOCK_PATIENCE_MS = SQLITE_BUSY_TIMEOUT_MS;

/**
 * Runs `callback` once the transaction has committed, and never if it rolls back (nor for an
 * attempt that was refused and run again). The change is durable by then and the caller will be
 * told so: a callback that fails is reported as a process warning and changes nothing of that.
 */
export function afterCommit(tx: Tx, callback: Callback): void {
  const callbacks = afterCommitCallbacks.get(tx);
  if (!callbacks) throw new Error('afterCommit: not a transaction opened by withTx');
  callbacks.push(callback);
}

async function runCallbacks(callbacks: readonly Callback[]): Promise<void> {
  for (const callback of callbacks) {
    try {
      await callback();
    } catch (err) {
      process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'AfterCommitWarning');
    }
  }
}

/**
 * Locks rows of `table` by id until the transaction ends, and returns the ids that exist, sorted.
 * Always in id order, so that two transactions locking overlapping sets take them in the same
 * order and cannot deadlock. PostgreSQL locks the rows (`FOR UPDATE`); on SQLite the transaction
 * holds the database's write lock since it began (withTx).
 */
export async function lockRows(tx: Tx, table: string, ids: readonly string[]): Promise<string[]> {
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return [];
  if (dialectOf(tx) === 'postgresql') {
    const rows = (await tx(table).whereIn('id', sorted).orderBy('id').forUpdate().select('id')) as { id: string }[];
    return rows.map((r) => r.id);
  }
  const rows = (await tx(table).whereIn('id', sorted).orderBy('id').select('id')) as { id: string }[];
  return rows.map((r) => r.id);
}

/**
 * Holds the rows a query reads until the transaction ends, so that concurrent writers of the same
 * row wait for each other instead of one failing its version check. PostgreSQL locks the rows;
 * SQLite needs nothing (a write transaction holds the whole database) and knex would only warn.
 */
export function forUpdate<Q extends { forUpdate(): Q }>(tx: Tx, query: Q): Q {
  return dialectOf(tx) === 'postgresql' ? query.forUpdate() : query;
}
