import type { Clock } from '../../src/clock';
import { withTx } from '../../src/db/tx';
import { money } from '../../src/money';
import type { Config } from '../../src/config';
import type { Db } from '../../src/db/knex';
import { createTraceService } from '../../src/modules/trace/service';
import { createUserService } from '../../src/modules/users/service';
import { createWalletService, type WalletService } from '../../src/modules/wallet/service';
import type { TestContext } from './context';
import { registerUser, type TestUser } from './factories';

/** The wallet service as the app wires it (users and the trace log alike), for tests that drive it directly. */
export const walletFor = (db: Db, config: Config, clock: Clock): WalletService => createWalletService(db, config, clock, createUserService(db, clock), createTraceService(db, config, clock));

/** A new user (a buyer unless told) with `amount` minor units deposited in their wallet (none for 0). */
export async function fundedUser(ctx: TestContext, wallet: WalletService, amount: number, role: 'buyer' | 'seller' = 'buyer'): Promise<TestUser> {
  const user = await registerUser(ctx, role);
  if (amount > 0) await withTx(ctx.db, (tx) => wallet.deposit(tx, user.id, money(amount, ctx.config.currency)));
  return user;
}
