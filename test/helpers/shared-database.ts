import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { createDb, type Db } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrations';
import { TEST_ENV } from './context';

/**
 * A migrated database that other connections and processes can open too, as several workers,
 * instances or audit processes would: a file on SQLite (an in-memory database has one
 * connection), a schema of its own on PostgreSQL. `handles` knex instances on it.
 */
export async function sharedDatabase<N extends number>(handles: N): Promise<{ dbs: Db[] & { length: N }; config: Config; close: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  let database: Config['database'];
  let drop = async (_db: Db): Promise<void> => undefined;
  if (url) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = createDb({ client: 'postgresql', url });
    await admin.raw(`CREATE SCHEMA ${schema}`);
    await admin.destroy();
    database = { client: 'postgresql', url, schema };
    drop = async (db) => {
      await db.raw(`DROP SCHEMA ${schema} CASCADE`);
    };
  } else {
    database = { client: 'sqlite', sqlitePath: path.join(mkdtempSync(path.join(tmpdir(), 'otomoto-shared-')), 'otomoto.sqlite') };
  }
  const config: Config = { ...loadConfig({ ...TEST_ENV }), database };
  const dbs = Array.from({ length: handles }, () => createDb(database)) as Db[] & { length: N };
  await migrateLatest(dbs[0] as Db);
  return {
    dbs,
    config,
    close: async () => {
      await drop(dbs[0] as Db);
      await Promise.all(dbs.map((db) => db.destroy()));
    },
  };
}
