/**
 * The service's entry point: `node dist/server/src/server.js` in production (npm start builds
 * what is stale, then runs it). With WEB_CONCURRENCY above 1 (the default: one worker per core)
 * this process becomes the cluster's primary; with 1 it prepares the database and serves alone.
 */
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { PREPARE_VARIABLE, runPrimary, type ClusterMessage } from './runtime/cluster';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/** Drains on SIGTERM and SIGINT (a terminal's Ctrl+C reaches every process of the group), then exits. */
function exitAfterDrain(drain: (reason: string) => Promise<void>, log: Logger): void {
  const stop = (reason: string) => {
    void drain(reason).then(() => {
      log.info('drained; bye');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** WEB_CONCURRENCY=1: no cluster; the same steps in one process. */
async function single(config: Config, log: Logger): Promise<void> {
  const [{ createDb }, { prepareDatabase }, { serve }] = await Promise.all([import('./db/knex'), import('./runtime/prepare'), import('./runtime/serve')]);
  const db = createDb(config.database);
  await prepareDatabase(db, config, log);
  const serving = await serve(config, log, { db });
  log.info(`OTOMOTO API on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (one process, docs at /docs, database: ${config.database.client})`);
  exitAfterDrain(serving.drain, log);
}

/** A cluster worker: serves HTTP; the first one prepares the database before it listens. */
async function clusterWorker(config: Config, log: Logger): Promise<void> {
  // Filled in once listening; a drain asked for before that simply exits.
  const serving: { drain?: (reason: string) => Promise<void> } = {};
  const drainThenExit = (reason: string): void =>
    void (serving.drain?.(reason) ?? Promise.resolve()).then(() => {
      log.info('drained; bye');
      process.exit(0);
    });
  process.on('message', (message: ClusterMessage) => {
    if (message.type === 'drain') drainThenExit('asked by the primary');
  });
  // Orphaned (the primary killed outright): stop serving rather than live on unsupervised.
  process.on('disconnect', () => drainThenExit('the primary is gone'));
  // Signals sent to the whole group are the primary's to handle: it tells each worker to drain.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  const [{ createDb }, { serve }] = await Promise.all([import('./db/knex'), import('./runtime/serve')]);
  // On SQLite the primary copies the write-ahead log into the database file (runPrimary).
  const db = createDb(config.database, { walCheckpoints: 'elsewhere' });
  if (process.env[PREPARE_VARIABLE] === '1') {
    const { prepareDatabase } = await import('./runtime/prepare');
    await prepareDatabase(db, config, log);
  }
  serving.drain = (await serve(config, log, { db })).drain;
  process.send?.({ type: 'listening' } satisfies ClusterMessage);
}

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config);
  if (config.webConcurrency === 1) return single(config, log);
  if (cluster.isPrimary) return runPrimary(config, log);
  return clusterWorker(config, log);
}

main().catch((err: unknown) => {
  console.error('OTOMOTO failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
