import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { startWalCheckpointer } from '../db/wal-checkpointer';

/**
 * The cluster's primary: it serves nothing itself. The first worker does the work done once at
 * start (migrations, demo seed, admin) and starts serving; the others are started then, on a
 * ready database, so the first answer comes as soon as one process can give it. A worker started
 * later (a replacement) never redoes that work. Node's cluster hands each new connection to a
 * worker in turn; nothing a request relies on is kept in a worker's memory (sessions, rate limits
 * and idempotency keys are in the database), so any worker can answer any request. On SQLite
 * the primary also copies the write-ahead log into the database file (wal-checkpointer.ts).
 */

/** Messages between the primary and its workers. */
export type ClusterMessage = { type: 'listening' } | { type: 'drain' };

/** Set to 1 in the environment of the one worker that prepares the database. */
export const PREPARE_VARIABLE = 'OTOMOTO_PREPARE_DATABASE';

/** A worker that dies after serving is replaced after this delay, doubled while it keeps dying. */
const RESTART_DELAY_MS = { first: 500, max: 30_000, healthyAfterMs: 60_000 };

export function runPrimary(config: Config, log: Logger): void {
  const web = new Set<Worker>();
  let stopping = false;
  let restartDelay = RESTART_DELAY_MS.first;
  let listening = 0;

  const fail = (message: string): void => {
    log.fatal(message);
    stop('failure', 1);
  };

  const startWeb = (prepares = false): void => {
    const worker = cluster.fork(prepares ? { [PREPARE_VARIABLE]: '1' } : {});
    web.add(worker);
    let served = false;
    let servedSince = 0;
    worker.on('message', (message: ClusterMessage) => {
      if (message.type !== 'listening') return;
      served = true;
      servedSince = Date.now();
      listening += 1;
      if (prepares) for (let i = 1; i < config.webConcurrency && !stopping; i += 1) startWeb();
      if (listening === config.webConcurrency) {
        log.info(`OTOMOTO API on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (${config.webConcurrency} workers, docs at /docs, database: ${config.database.client})`);
      }
    });
    worker.on('exit', (code, signal) => {
      web.delete(worker);
      if (stopping) {
        if (web.size === 0) process.exit(process.exitCode ?? 0);
        return;
      }
      // A worker that never listened will not do better the next time (a port taken, a bad setting).
      if (!served) return fail(`worker ${worker.process.pid} exited before serving (${signal ?? `code ${code}`}); stopping`);
      if (Date.now() - servedSince > RESTART_DELAY_MS.healthyAfterMs) restartDelay = RESTART_DELAY_MS.first;
      log.error(`worker ${worker.process.pid} died (${signal ?? `code ${code}`}); starting another in ${restartDelay} ms`);
      // Not unref'd: with every worker gone, this timer is what keeps the primary alive to restart them.
      setTimeout(() => !stopping && startWeb(), restartDelay);
      restartDelay = Math.min(restartDelay * 2, RESTART_DELAY_MS.max);
    });
  };

  const stop = (reason: string, exitCode = 0): void => {
    if (stopping) return;
    stopping = true;
    process.exitCode = exitCode;
    log.info({ reason, workers: web.size }, 'stopping: every worker drains its requests');
    if (web.size === 0) process.exit(exitCode);
    for (const worker of web) if (worker.isConnected()) worker.send({ type: 'drain' } satisfies ClusterMessage);
    // The workers bound their own drain; this only guards against one that hangs.
    setTimeout(() => {
      log.warn('workers still running after the drain timeout: killing them');
      for (const worker of web) worker.process.kill('SIGKILL');
    }, config.shutdownTimeoutMs + 5_000).unref();
  };

  // SQLite: the log's copy into the database file is done here, where no request waits for it.
  const checkpointer = config.database.client === 'sqlite' && config.database.sqlitePath !== ':memory:'
    ? startWalCheckpointer(config.database.sqlitePath, { onError: (err) => log.warn({ err }, 'WAL checkpoint round failed; the next one retries') })
    : undefined;
  process.on('exit', () => checkpointer?.stop());

  startWeb(true);

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
