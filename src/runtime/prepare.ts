import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import { migrateLatest } from '../db/migrations';
import { ensureAdmin } from '../modules/auth/admin-bootstrap';
import { User } from '../modules/users/user.model';

/**
 * What must happen once before any request is served, whatever the number of workers: the
 * schema migrated, the demo catalogue seeded into an empty development database, the configured
 * admin present. Each step is safe to repeat (a restarted instance runs it again and finds it done).
 */
export async function prepareDatabase(db: Db, config: Config, log: Logger): Promise<void> {
  const applied = await migrateLatest(db);
  if (applied.length) log.info({ migrations: applied }, 'migrations applied');
  const empty = (await User.query(db).resultSize()) === 0;
  if (empty && config.seedDemo) {
    // Loaded only when seeding: the demo catalogue's data is of no use to a running worker.
    const { describeDemoAccounts, seedDemo } = await import('../seed/demo');
    const report = await seedDemo(db, config);
    log.info(`demo data seeded (${report.partsAdded} listings, ${report.ordersPlaced} orders); log in as any of these (npm run seed prints them again):\n${describeDemoAccounts(report).join('\n')}`);
  } else if (config.admin) {
    await ensureAdmin(db, config, config.admin);
  }
}
