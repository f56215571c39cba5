import type * as PgDriver from 'pg';
import type { Config } from '../../config';

/**
 * What the log audit reads, on a database driver's own connection rather than through the query
 * builder: the audit reads every event and every stored subtree, millions of rows, and building
 * knex's row objects cost it more than hashing them. Each audit worker (audit-worker.ts) opens one
 * reader of its own; an in-process audit wraps the connection it is given.
 */

/** Where a chain sorts: (subject type, subject id), the order of the chain index. */
export type ChainKey = readonly [type: string, id: string];

/** One event as the audit reads it: its columns in `CHAIN_COLUMNS` order. */
export type ChainRow = readonly [
  subjectType: string,
  subjectId: string,
  seq: number | string,
  type: string,
  actorJson: string,
  occurredAt: string,
  payloadJson: string,
  stateHash: string,
  prevHash: string,
  hash: string,
  logIndex: number | string | null,
];

const CHAIN_COLUMNS = 'subject_type, subject_id, seq, type, actor_json, occurred_at, payload_json, state_hash, prev_hash, hash, log_index';
/**
 * Rows handed over at a time. Small on SQLite, read as they are needed: a large page keeps
 * megabytes of row strings alive through the young generation's collections, which then copy
 * them (on listings' 1 KB creation events, garbage collection took 40 % of the audit at 5,000 rows,
 * and the audit went twice as fast at 500). On PostgreSQL a page is a round trip.
 */
const SQLITE_PAGE = 500;
const PG_PAGE = 5000;

/** A level's stored subtrees over a run of indexes: all of them end to end, or (when some are missing or malformed) each by position. */
export type StoredRun = { whole: Buffer } | { byPosition: (Buffer | undefined)[] };

export interface AuditReader {
  /** The events of the chains with keys in [from, to) (null: unbounded), in chain order, handed over a page at a time. */
  chains(from: ChainKey | null, to: ChainKey | null, page: (rows: readonly ChainRow[]) => void): Promise<void>;
  /** The stored subtrees of `level` with indexes in [from, to). */
  nodes(level: number, from: number, to: number): Promise<StoredRun>;
  close(): Promise<void>;
}

/** The WHERE clause of a chain range; both databases walk the chain index from a row-value bound. */
function chainRange(from: ChainKey | null, to: ChainKey | null, placeholder: (n: number) => string): { where: string; values: string[] } {
  const clauses: string[] = [];
  const values: string[] = [];
  if (from) {
    clauses.push(`(subject_type, subject_id) >= (${placeholder(values.length + 1)}, ${placeholder(values.length + 2)})`);
    values.push(...from);
  }
  if (to) {
    clauses.push(`(subject_type, subject_id) < (${placeholder(values.length + 1)}, ${placeholder(values.length + 2)})`);
    values.push(...to);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}

/** A run read whole is usable when every index has its one 32-byte hash. */
function wholeRun(count: number, all32: boolean, bytes: Buffer | null, length: number): Buffer | null {
  return count === length && all32 && bytes !== null && bytes.length === length * 32 ? bytes : null;
}

function byPosition(rows: readonly { idx: number | string; hash: Buffer }[], from: number, to: number): StoredRun {
  const run = new Array<Buffer | undefined>(to - from);
  for (const { idx, hash } of rows) run[Number(idx) - from] = hash;
  return { byPosition: run };
}

/** The few better-sqlite3 calls the audit makes (the package ships no types). */
interface SqliteStatement {
  raw(toggle: boolean): SqliteStatement;
  iterate(...params: unknown[]): IterableIterator<unknown>;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  pragma(sql: string): unknown;
  close(): void;
}

export function sqliteAuditReader(connection: SqliteConnection, close: () => void = () => undefined): AuditReader {
  // One statement per bound combination, prepared once: a unit of the audit runs many pages.
  const chainStatements = new Map<string, SqliteStatement>();
  const wholeNodes = connection.prepare(
    "SELECT count(*) AS n, min(length(hash) = 32) AS all32, unhex(group_concat(hex(hash), '' ORDER BY idx)) AS bytes FROM trace_tree_nodes WHERE level = ? AND idx >= ? AND idx < ?",
  );
  const eachNode = connection.prepare('SELECT idx, hash FROM trace_tree_nodes WHERE level = ? AND idx >= ? AND idx < ?');
  return {
    async chains(from, to, page) {
      const { where, values } = chainRange(from, to, () => '?');
      let statement = chainStatements.get(where);
      if (!statement) {
        statement = connection.prepare(`SELECT ${CHAIN_COLUMNS} FROM trace_events ${where} ORDER BY subject_type, subject_id, seq`).raw(true);
        chainStatements.set(where, statement);
      }
      let rows: ChainRow[] = [];
      for (const row of statement.iterate(...values) as IterableIterator<ChainRow>) {
        rows.push(row);
        if (rows.length === SQLITE_PAGE) {
          page(rows);
          rows = [];
        }
      }
      if (rows.length) page(rows);
    },
    async nodes(level, from, to) {
      const run = wholeNodes.get(level, from, to) as { n: number; all32: number | null; bytes: Buffer | null };
      const whole = wholeRun(run.n, run.all32 === 1, run.bytes, to - from);
      return whole ? { whole } : byPosition(eachNode.all(level, from, to) as { idx: number; hash: Buffer }[], from, to);
    },
    async close() {
      close();
    },
  };
}

export function pgAuditReader(client: PgDriver.Client | PgDriver.PoolClient, close: () => Promise<void> = async () => undefined): AuditReader {
  return {
    async chains(from, to, page) {
      // Pages by keyset: each statement a bounded walk of the chain index, the memory one page.
      let after: readonly [string, string, number | string] | null = null;
      const range = chainRange(from, to, (n) => `$${n}`);
      for (;;) {
        const bound = after ? `${range.where ? `${range.where} AND` : 'WHERE'} (subject_type, subject_id, seq) > ($${range.values.length + 1}, $${range.values.length + 2}, $${range.values.length + 3})` : range.where;
        const values = after ? [...range.values, ...after] : range.values;
        const query: PgDriver.QueryArrayConfig = { text: `SELECT ${CHAIN_COLUMNS} FROM trace_events ${bound} ORDER BY subject_type, subject_id, seq LIMIT ${PG_PAGE}`, values, rowMode: 'array' };
        const rows = (await client.query(query)).rows as unknown as ChainRow[];
        if (rows.length === 0) return;
        page(rows);
        const last = rows[rows.length - 1] as ChainRow;
        after = [last[0], last[1], last[2]];
        if (rows.length < PG_PAGE) return;
      }
    },
    async nodes(level, from, to) {
      const { rows } = await client.query<{ n: number; all32: boolean | null; bytes: Buffer | null }>({
        text: "SELECT count(*)::int AS n, bool_and(length(hash) = 32) AS all32, string_agg(hash, ''::bytea ORDER BY idx) AS bytes FROM trace_tree_nodes WHERE level = $1 AND idx >= $2 AND idx < $3",
        values: [level, from, to],
      });
      const run = rows[0] as { n: number; all32: boolean | null; bytes: Buffer | null };
      const whole = wholeRun(run.n, run.all32 === true, run.bytes, to - from);
      if (whole) return { whole };
      return byPosition((await client.query<{ idx: string; hash: Buffer }>({ text: 'SELECT idx, hash FROM trace_tree_nodes WHERE level = $1 AND idx >= $2 AND idx < $3', values: [level, from, to] })).rows, from, to);
    },
    close,
  };
}

/** A reader on a connection of its own (an audit worker's), read-only. */
export async function openAuditReader(database: Config['database']): Promise<AuditReader> {
  if (database.client === 'sqlite') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteConnection;
    const connection = new Database(database.sqlitePath, { readonly: true, fileMustExist: true });
    connection.pragma('mmap_size = 1073741824');
    return sqliteAuditReader(connection, () => connection.close());
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require('pg') as typeof PgDriver;
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  // A bounded keyset walk wants no JIT; the schema is the one the service's own pool reads.
  await client.query(`SET jit = off${database.schema ? `; SET search_path TO ${client.escapeIdentifier(database.schema)}` : ''}`);
  return pgAuditReader(client, () => client.end());
}
