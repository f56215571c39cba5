import type { Clock } from '../../src/clock';
import type { Config } from '../../src/config';
import type { Db } from '../../src/db/knex';
import { createTraceService } from '../../src/modules/trace/service';
import { createUserService } from '../../src/modules/users/service';
import { createWalletService, type WalletService } from '../../src/modules/wallet/service';

/** The wallet service as the app wires it (users and the trace log alike), for tests that drive it directly. */
export const walletFor = (db: Db, config: Config, clock: Clock): WalletService => createWalletService(db, config, clock, createUserService(db, clock), createTraceService(db, config, clock));
