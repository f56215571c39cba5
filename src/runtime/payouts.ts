import type { Logger } from 'pino';
import type { Config } from '../config';
import type { WalletService } from '../modules/wallet/service';
import { everyInterval } from './periodic';

/**
 * In every worker: withdrawals left pending (the server stopped between a request's commit and
 * its payout, or the provider did not answer) have their payouts asked for again, in batches.
 * Several workers may ask for the same one: the provider pays a reference once, and a withdrawal
 * settles once (docs/wallet.md).
 */
export function startPayoutRetries(wallet: WalletService, config: Config, log: Logger): { stop(): Promise<void> } {
  return everyInterval(
    'payout retry round',
    config.wallet.payoutRetryMs,
    async () => {
      for (let more = true; more; ) {
        const round = await wallet.retryPayouts(config.wallet.payoutRetryMs);
        if (round.asked > 0) log.info({ asked: round.asked, settled: round.settled }, 'pending payouts asked for again');
        more = round.more;
      }
    },
    log,
  );
}
