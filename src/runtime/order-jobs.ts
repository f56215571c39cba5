import type { Logger } from 'pino';
import type { Config } from '../config';
import type { OrderService } from '../modules/orders/service';
import { everyInterval } from './periodic';

/**
 * In every worker, every ORDER_JOBS_INTERVAL_MS: shipped orders auto-confirmed, delivered ones
 * completed once their return window closed (docs/orders.md). Rounds on several workers or
 * instances at once each take different orders (claims skip locked rows), and a round run twice
 * moves nothing twice.
 */
export function startOrderJobs(orders: OrderService, config: Config, log: Logger): { stop(): Promise<void> } {
  return everyInterval(
    'order jobs round',
    config.orders.jobsIntervalMs,
    async () => {
      const round = await orders.runDueSteps();
      if (round.delivered + round.completed > 0) log.info({ delivered: round.delivered, completed: round.completed }, 'timed order steps taken');
      if (round.failed.length > 0) log.error({ orders: round.failed }, 'timed order steps failed; the next round retries them');
    },
    log,
  );
}
