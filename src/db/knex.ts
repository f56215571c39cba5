import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type * as PgDriver from 'pg';
import type { Config } from '../config';

declare const ROOT_HANDLE: unique symbol;

/**
 * The root handle of the database (its pool). Not a transaction: see `Tx` in tx.ts for what runs
 * inside one, and `Queryable` for reads that are right in either.
 */
export type Db = Knex & { readonly [ROOT_HANDLE]: true };

let pgTypesConfigured = false;

/**
 * An integer from PostgreSQL's text (int8, and numeric: what SUM and COUNT over bigint columns
 * give). JavaScript numbers hold integers exactly up to 2^53 - 1, so a value beyond is refused
 * rather than rounded: a sum over a large ledger must never pass through a float.
 */
export function parseSafeInteger(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new RangeError(`Not an integer: ${text}`);
  const value = BigInt(text);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`The integer ${text} from the database is beyond 2^53 - 1; it cannot be read exactly`);
  }
  return Number(value);
}

/**
 * numeric with a fraction (an average, a ratio) is read as a number: never used for money, which
 * is stored and summed as integers of minor units.
 */
const parseNumeric = (text: string): number => (/^-?\d+$/.test(text) ? parseSafeInteger(text) : Number(text));

/**
 * pg hands back int8 and numeric as strings and timestamptz as Date; the API promises numbers and
 * RFC 3339 strings on both databases, so normalise once at the driver.
 */
function configurePgTypes(): void {
  if (pgTypesConfigured) return;
  // Loaded here, not at the top: a SQLite deployment never pays for the PostgreSQL driver.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require('pg') as typeof PgDriver;
  pg.types.setTypeParser(pg.types.builtins.INT8, parseSafeInteger);
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, parseNumeric);
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v).toISOString());
  pgTypesConfigured = true;
}

/** A fresh clone has no `data/`, and an operator may point SQLITE_PATH at a new directory: create it. */
function ensureDirectoryOf(sqlitePath: string): void {
  if (sqlitePath === ':memory:' || sqlitePath.startsWith('file:')) return;
  const directory = path.dirname(path.resolve(sqlitePath));
  try {
    mkdirSync(directory, { recursive: true });
  } catch (err) {
    throw new Error(`SQLITE_PATH: cannot create the directory ${directory} (${(err as NodeJS.ErrnoException).code ?? String(err)}); choose a writable path`);
  }
}

export interface DbOptions {
  /**
   * SQLite: who copies the write-ahead log back into the database file. `self` (the default):
   * SQLite's automatic checkpoint, in whichever commit crosses its threshold. `elsewhere`: another
   * process does (the cluster's primary, wal-checkpointer.ts), and this one's commits never stop for it.
   */
  walCheckpoints?: 'self' | 'elsewhere';
}

export function createDb(database: Config['database'], options: DbOptions = {}): Db {
  if (database.client === 'postgresql') {
    configurePgTypes();
    return rootHandle(knexFactory({
      client: 'pg',
      connection: database.url,
      searchPath: database.schema ? [database.schema] : undefined,
      pool: {
        min: 0,
        max: database.poolMax ?? 10,
        afterCreate: (conn: PgDriver.Client, done: (err: Error | null, conn: PgDriver.Client) => void) => {
          // An API's queries are short and many run at once: JIT compilation (tens to hundreds of
          // ms, triggered by a high estimated cost even when a LIMIT stops the plan after a page)
          // and parallel workers (more processes on the same cores) only add latency here.
          conn.query("SET TIME ZONE 'UTC'; SET jit = off; SET max_parallel_workers_per_gather = 0", (err) => done(err ?? null, conn));
        },
      },
    }));
  }
  ensureDirectoryOf(database.sqlitePath);
  let current: SqliteConnection | undefined;
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: database.sqlitePath },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) => {
        cacheStatements(conn);
        current = conn;
        // WAL lets readers proceed during a write; FKs are off by default in SQLite.
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('synchronous = NORMAL');
        if (options.walCheckpoints === 'elsewhere') conn.pragma('wal_autocheckpoint = 0');
        // Reads of a large catalogue: map the file and keep a 64 MiB page cache rather than 2 MiB.
        conn.pragma('mmap_size = 1073741824');
        conn.pragma('cache_size = -65536');
        // Let SQLite refresh planner statistics where they are stale (cheap; recommended at open).
        conn.pragma('optimize = 0x10002');
        done(null, conn);
      },
    },
  });
  sqliteConnections.set(db, () => (current?.open ? current : undefined));
  return rootHandle(db);
}

/** The brand exists in types only: a knex instance made here is the root handle. */
const rootHandle = (knex: Knex): Db => knex as Db;

export interface SqliteConnection {
  readonly open: boolean;
  readonly inTransaction: boolean;
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

const sqliteConnections = new WeakMap<Knex, () => SqliteConnection | undefined>();

/**
 * The one better-sqlite3 connection of a SQLite knex instance (its pool holds exactly one), once
 * opened: for statements run on the driver directly (see direct-read.ts).
 */
export function sqliteConnectionOf(db: Db): SqliteConnection | undefined {
  return sqliteConnections.get(db)?.();
}

const STATEMENT_CACHE_SIZE = 500;
const ownStatements = new WeakMap<SqliteConnection, (sql: string) => unknown>();

/**
 * A statement of the caller's own on the connection, outside the cache that knex's queries share:
 * for statements whose mode the caller changes (better-sqlite3's `raw`), which a query of knex's
 * with the same text must not find.
 */
export function prepareOwnStatement(conn: SqliteConnection, sql: string): unknown {
  return (ownStatements.get(conn) ?? conn.prepare.bind(conn))(sql);
}

/**
 * knex prepares every query anew; compiling SQL costs more than running it on a hot row. The
 * connection keeps its most recent statements (better-sqlite3 statements are reusable once run,
 * and knex runs each to completion synchronously).
 */
function cacheStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  ownStatements.set(conn, prepare);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    } else {
      cache.delete(sql);
    }
    cache.set(sql, statement);
    return statement;
  };
}

export function dialectOf(db: Knex): 'sqlite' | 'postgresql' {
  return db.client.config.client === 'pg' ? 'postgresql' : 'sqlite';
}
