import DataLoader from 'dataloader';
import type { Db } from './knex';
import { dialectOf, sqliteConnectionOf } from './knex';

/** Reads one row by its id (a UUID); undefined when there is none. */
export type ReadById<Row> = (id: string) => Promise<Row | undefined>;

export interface ReadByIdQuery<Row> {
  /** Names the PostgreSQL prepared statement; unique per query. */
  name: string;
  /** A constant `SELECT … FROM …` without its WHERE clause. */
  select: string;
  /** The id column, e.g. `parts.id` (uuid on PostgreSQL, which types the parameter). */
  idColumn: string;
  /** The id of a row the query returned. */
  idOf: (row: Row) => string;
}

/** Ids asked for in one batch at most, so a burst never builds an unbounded statement. */
const MAX_BATCH = 100;

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * One row by id, read on the database driver itself rather than through the query builder: for
 * the hottest reads, knex's per-query work (compiling, pool bookkeeping, events; on PostgreSQL an
 * unnamed statement parsed and planned on every call) costs several times the query itself.
 *
 * - SQLite: a statement prepared once on knex's own connection and run synchronously, safe
 *   whenever that connection is not inside a transaction (a read then sees exactly what is
 *   committed); while a transaction holds it, the read queues behind it through knex as usual.
 * - PostgreSQL: the ids asked for during one turn of the event loop are read together, by one
 *   named statement (`id = ANY($1)`) in one round trip, which under concurrent traffic replaces
 *   several round trips by one. Nothing is cached: every read is issued after it was asked for,
 *   and sees what is committed then. Ids must be UUIDs in lower case, as the contract has them:
 *   one that is not a UUID would fail the whole batch.
 */
export function directReadById<Row>(db: Db, query: ReadByIdQuery<Row>): ReadById<Row> {
  return dialectOf(db) === 'postgresql' ? coalescedPgRead(db, query) : sqliteRead(db, query);
}

function sqliteRead<Row>(db: Db, { select, idColumn }: ReadByIdQuery<Row>): ReadById<Row> {
  const sql = `${select} WHERE ${idColumn} = ?`;
  const statements = new WeakMap<object, { get(...params: unknown[]): unknown }>();
  return async (id) => {
    const connection = sqliteConnectionOf(db);
    if (!connection || connection.inTransaction) {
      return ((await db.raw(sql, [id])) as Row[])[0];
    }
    let statement = statements.get(connection);
    if (!statement) {
      statement = connection.prepare(sql) as { get(...params: unknown[]): unknown };
      statements.set(connection, statement);
    }
    return statement.get(id) as Row | undefined;
  };
}

function coalescedPgRead<Row>(db: Db, { name, select, idColumn, idOf }: ReadByIdQuery<Row>): ReadById<Row> {
  const text = `${select} WHERE ${idColumn} = ANY($1)`;
  const loader = new DataLoader<string, Row | undefined>(
    async (requested) => {
      const ids = [...new Set(requested)];
      const connection = (await db.client.acquireConnection()) as PgConnection;
      try {
        const rows = (await connection.query({ name, text, values: [ids] })).rows as Row[];
        const byId = new Map(rows.map((row) => [idOf(row), row]));
        return requested.map((id) => byId.get(id));
      } finally {
        await db.client.releaseConnection(connection);
      }
    },
    // No cache: an id asked for again is read again. Batches close when the event loop has
    // handled the requests that arrived together (setImmediate), not within one request.
    { cache: false, maxBatchSize: MAX_BATCH, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );
  return (id) => loader.load(id);
}
