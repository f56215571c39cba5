/**
 * npm run jobs:once
 *
 * One round of the timed order steps on the configured database, as each server worker runs them
 * every ORDER_JOBS_INTERVAL_MS (docs/orders.md): shipped orders not confirmed within
 * AUTO_CONFIRM_DAYS delivered, delivered ones past RETURN_WINDOW_DAYS completed (the seller paid).
 * For a cron, or to catch up by hand; safe beside running servers. Exit code 1 if a step failed.
 */
import { systemClock } from '../clock';
import { createServices } from '../modules';
import { runWithDatabase } from './context';

void runWithDatabase(async (db, config) => {
  const round = await createServices(db, config, systemClock).orders.runDueSteps();
  console.log(`${round.delivered} order(s) delivered, ${round.completed} completed`);
  if (round.failed.length > 0) {
    console.error(`failed, left for the next round: ${round.failed.join(', ')}`);
    process.exitCode = 1;
  }
});
