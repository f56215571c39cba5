import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app';
import { ManualClock } from '../../src/clock';
import { loadConfig, type Config } from '../../src/config';
import { createDb, type Db } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrations';
import { ensureAdmin } from '../../src/modules/auth/admin-bootstrap';

export const TEST_ENV = {
  NODE_ENV: 'test',
  JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
  // Tests hash hundreds of passwords; production cost (2^17) is checked in its own test.
  PASSWORD_SCRYPT_LOG_N: '10',
  ADMIN_EMAIL: 'admin@test.otomoto.ma',
  ADMIN_PASSWORD: 'admin-password-for-tests',
  // Every test logs in and registers from one address; the throttling tests lower these again.
  RATE_LIMIT_LOGIN_PER_ADDRESS: '1000000',
  RATE_LIMIT_REGISTER_PER_ADDRESS: '1000000',
};

export interface TestContext {
  app: Express;
  /** The app's clock: tests move it instead of waiting. */
  clock: ManualClock;
  db: Db;
  config: Config;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

/**
 * A fresh, migrated database per test file: an in-memory SQLite, or, when DATABASE_URL is set,
 * a schema of its own in that PostgreSQL database (so parallel jest workers never share tables).
 */
async function freshDatabase(): Promise<{ database: Config['database']; drop: (db: Db) => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) return { database: { client: 'sqlite', sqlitePath: ':memory:' }, drop: async () => undefined };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = createDb({ client: 'postgresql', url });
  await admin.raw(`CREATE SCHEMA ${schema}`);
  await admin.destroy();
  return {
    database: { client: 'postgresql', url, schema },
    drop: async (db) => {
      await db.raw(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

export async function createTestContext(env: Record<string, string> = {}): Promise<TestContext> {
  const { database, drop } = await freshDatabase();
  const config: Config = { ...loadConfig({ ...TEST_ENV, ...env }), database };
  const db = createDb(database);
  await migrateLatest(db);
  if (config.admin) await ensureAdmin(db, config, config.admin);
  const clock = new ManualClock(new Date());
  const app = createApp({ config, db, clock });
  return {
    app,
    clock,
    db,
    config,
    http: () => request(app),
    close: async () => {
      await drop(db);
      await db.destroy();
    },
  };
}

/**
 * The file's test context, created before its tests and closed after them. Returned at once as a
 * stand-in that forwards to the real context, so test files need no beforeAll/afterAll of their own.
 */
export function useTestContext(env: Record<string, string> = {}): TestContext {
  let ctx: TestContext | undefined;
  beforeAll(async () => {
    ctx = await createTestContext(env);
  });
  afterAll(async () => {
    await ctx?.close();
  });
  return new Proxy({} as TestContext, {
    get: (_target, property: keyof TestContext) => {
      if (!ctx) throw new Error('The test context is created in beforeAll; use it inside tests or hooks.');
      return ctx[property];
    },
  });
}
