import { requireAuth, type HandlerMap } from '../../http/handler';
import type { UserService } from './service';

export function userHandlers(users: UserService) {
  return {
    getMe: async (ctx) => ({ status: 200, body: await users.getMe(requireAuth(ctx).userId) }),
    updateMe: async (ctx) => ({ status: 200, body: await users.updateMe(requireAuth(ctx).userId, ctx.body) }),
    listUsers: async ({ query }) => ({ status: 200, body: await users.list(query) }),
    suspendUser: async (ctx) => ({
      status: 200,
      body: await users.suspend(requireAuth(ctx).userId, ctx.params.userId, ctx.body.reason),
    }),
    reactivateUser: async (ctx) => ({
      status: 200,
      body: await users.reactivate(requireAuth(ctx).userId, ctx.params.userId, ctx.body.reason),
    }),
  } satisfies Partial<HandlerMap>;
}
