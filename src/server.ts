import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createDb, type Db } from './db/knex';
import { migrateLatest } from './db/migrations';
import { createLogger } from './logger';
import { ensureAdmin } from './modules/auth/admin-bootstrap';
import { User } from './modules/users/user.model';
import { describeDemoAccounts, seedDemo } from './seed/demo';

async function prepareDatabase(db: Db, config: Config, log: ReturnType<typeof createLogger>): Promise<void> {
  const applied = await migrateLatest(db);
  if (applied.length) log.info({ migrations: applied }, 'migrations applied');
  const empty = (await User.query(db).resultSize()) === 0;
  if (empty && config.seedDemo) {
    const report = await seedDemo(db, config);
    log.info(`demo data seeded (${report.partsAdded} listings); log in as any of these (npm run seed prints them again):\n${describeDemoAccounts(report).join('\n')}`);
  } else if (config.admin) {
    await ensureAdmin(db, config, config.admin);
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config);
  const db = createDb(config.database);
  await prepareDatabase(db, config, log);

  const app = createApp({ config, db, logger: log });
  const server: Server = app.listen(config.port, config.host, () => {
    log.info(`OTOMOTO API on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (docs at /docs, database: ${config.database.client})`);
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      log.warn('shutdown timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    server.close(() => {
      db.destroy()
        .then(() => log.info('database closed; bye'))
        .catch((err: unknown) => log.error({ err }, 'error while closing the database'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('OTOMOTO failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
