import { dialectOf, type Db } from '../../db/knex';
import { withTx, type Tx } from '../../db/tx';
import type { OrderRow, OrderStatus } from './views';

/**
 * Every order in one of `statuses` since `before` taken through `step`, one transaction each,
 * oldest first. PostgreSQL: claimed `FOR UPDATE SKIP LOCKED`, so instances running the job at
 * once take different orders and none waits for another; SQLite: one writer at a time. An order
 * whose step fails is left for the next round and reported, not retried in a loop: the round goes
 * on with the others.
 */
export async function runDueOrders(db: Db, statuses: readonly OrderStatus[], before: Date, step: (tx: Tx, order: OrderRow) => Promise<void>): Promise<{ done: number; failed: string[] }> {
  const failed: string[] = [];
  let done = 0;
  for (;;) {
    let current: string | undefined;
    try {
      const claimed = await withTx(db, async (tx) => {
        const query = tx('orders').whereIn('status', statuses).where('updated_at', '<=', before.toISOString()).whereNotIn('id', failed).orderBy('updated_at').orderBy('id').limit(1);
        if (dialectOf(tx) === 'postgresql') query.forUpdate().skipLocked();
        const order = (await query.first()) as OrderRow | undefined;
        current = order?.id;
        if (order) await step(tx, order);
        return order?.id;
      });
      if (!claimed) return { done, failed };
      done += 1;
    } catch (err) {
      if (!current) throw err;
      failed.push(current);
    }
  }
}
