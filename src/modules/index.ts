import { systemClock, type Clock } from '../clock';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { HandlerMap } from '../http/handler';
import type { LoadedSpec } from '../http/spec';
import { authHandlers } from './auth/routes';
import { partHandlers } from './parts/routes';
import { createPartService } from './parts/service';
import { createAuthService } from './auth/service';
import { sellerHandlers } from './sellers/routes';
import { createSellerService } from './sellers/service';
import { systemHandlers } from './system/routes';
import { traceHandlers } from './trace/routes';
import { createTraceService } from './trace/service';
import { userHandlers } from './users/routes';
import { orderHandlers } from './orders/routes';
import { createOrderService } from './orders/service';
import { walletHandlers } from './wallet/routes';
import { createWalletService } from './wallet/service';
import { createUserService } from './users/service';

export function createServices(db: Db, config: Config, clock: Clock = systemClock) {
  // Each module gets the services of the modules it uses, and subscribes to their hooks itself:
  // users ← auth, users ← sellers ← parts, trace ← parts, users + trace ← wallet, parts + sellers +
  // wallet ← orders (trace imports no module).
  const users = createUserService(db, clock);
  const auth = createAuthService(db, config, clock, users);
  const sellers = createSellerService(db, config, clock, users);
  const trace = createTraceService(db, config, clock);
  const parts = createPartService(db, config, clock, sellers, trace);
  const wallet = createWalletService(db, config, clock, users, trace);
  const orders = createOrderService(db, config, clock, parts, sellers, wallet);
  return { auth, users, sellers, trace, parts, wallet, orders };
}

export type Services = ReturnType<typeof createServices>;

/** Every operationId of the contract, each bound to its handler; the type makes the map exhaustive. */
export function createHandlers(db: Db, spec: LoadedSpec, services: Services): HandlerMap {
  return {
    ...systemHandlers(db, spec),
    ...authHandlers(services.auth),
    ...userHandlers(services.users),
    ...sellerHandlers(services.sellers),
    ...partHandlers(services.parts),
    ...traceHandlers(services.trace),
    ...walletHandlers(services.wallet),
    ...orderHandlers(services.orders),
  };
}
