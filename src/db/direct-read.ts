import type { Db } from './knex';
import { dialectOf, sqliteConnectionOf } from './knex';

/** Parameters bind as they are: strings and numbers only (no Date or boolean conversion). */
export type DirectRead<Row> = (params: readonly (string | number)[]) => Promise<Row | undefined>;

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** `?` placeholders (knex's, SQLite's) as PostgreSQL's `$1, $2, …`; our constant SQL has no `?` in literals. */
const numberedPlaceholders = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${(n += 1)}`);
};

/**
 * One constant SELECT, first row only, run on the database driver itself rather than through the
 * query builder: for the hottest reads, knex's per-query work (compiling, pool bookkeeping,
 * events; and on PostgreSQL an unnamed statement parsed and planned on every call) costs several
 * times the query itself.
 *
 * - SQLite: a statement prepared once on knex's own connection and run synchronously, which is
 *   safe whenever that connection is not inside a transaction (a read then sees exactly what is
 *   committed); while a transaction holds it, the read queues behind it through knex as usual.
 * - PostgreSQL: a named statement, parsed and planned once per pooled connection.
 */
export function directRead<Row>(db: Db, name: string, sql: string): DirectRead<Row> {
  if (dialectOf(db) === 'postgresql') {
    const text = numberedPlaceholders(sql);
    return async (params) => {
      const connection = (await db.client.acquireConnection()) as PgConnection;
      try {
        return (await connection.query({ name, text, values: [...params] })).rows[0] as Row | undefined;
      } finally {
        await db.client.releaseConnection(connection);
      }
    };
  }
  const statements = new WeakMap<object, { get(...params: unknown[]): unknown }>();
  return async (params) => {
    const connection = sqliteConnectionOf(db);
    if (!connection || connection.inTransaction) {
      return ((await db.raw(sql, [...params])) as Row[])[0];
    }
    let statement = statements.get(connection);
    if (!statement) {
      statement = connection.prepare(sql) as { get(...params: unknown[]): unknown };
      statements.set(connection, statement);
    }
    return statement.get(...params) as Row | undefined;
  };
}
