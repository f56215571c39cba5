import type { Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from '../app';
import type { Config } from '../config';
import { systemClock } from '../clock';
import { createDb, type Db } from '../db/knex';
import { createServices } from '../modules';
import { startOrderJobs } from './order-jobs';
import { startPayoutRetries } from './payouts';
import { startSequencer } from './sequencer';

export interface Serving {
  /** Stops accepting, lets in-flight requests finish (then closes what is left), closes the database. */
  drain(reason: string): Promise<void>;
}

/** One process serving HTTP: the app on its own database pool (the database already prepared). */
export async function serve(config: Config, log: Logger, options: { db?: Db } = {}): Promise<Serving> {
  const db = options.db ?? createDb(config.database);
  const services = createServices(db, config, systemClock);
  const app = createApp({ config, db, logger: log, services });
  const jobs = [startSequencer(services.trace, config, log), startPayoutRetries(services.wallet, config, log), startOrderJobs(services.orders, config, log)];
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.port, config.host, () => resolve(listening));
    listening.once('error', reject);
  });

  let drained: Promise<void> | undefined;
  // A client on a keep-alive connection would go on sending requests into a draining server:
  // each answer given while draining tells it to close, and the next request goes elsewhere.
  server.on('request', (_req, res: ServerResponse) => {
    if (drained) res.setHeader('Connection', 'close');
  });
  const drain = (reason: string): Promise<void> => {
    drained ??= new Promise<void>((resolve) => {
      log.info({ reason }, 'draining: no new connections, finishing in-flight requests');
      const force = setTimeout(() => {
        log.warn('drain timeout: closing the remaining connections');
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        Promise.all(jobs.map((job) => job.stop()))
          .then(() => db.destroy())
          .catch((err: unknown) => log.error({ err }, 'error while closing the database'))
          .finally(resolve);
      });
      // Keep-alive connections waiting for their next request would hold close() open.
      server.closeIdleConnections();
    });
    return drained;
  };
  return { drain };
}
