import { requireAuth, type HandlerMap } from '../../http/handler';
import type { AuthService } from './service';

const NO_STORE = { 'Cache-Control': 'no-store' };

export function authHandlers(auth: AuthService) {
  return {
    register: async ({ body, req }) => ({ status: 201, body: await auth.register(body, req.ip ?? 'unknown') }),
    login: async ({ body, req }) => ({
      status: 200,
      body: await auth.login(body.email, body.password, req.ip ?? 'unknown'),
      headers: NO_STORE,
    }),
    refreshTokens: async ({ body }) => ({ status: 200, body: await auth.refresh(body.refreshToken), headers: NO_STORE }),
    logout: async ({ body }) => {
      await auth.logout(body.refreshToken);
      return { status: 204, body: undefined };
    },
    changePassword: async (ctx) => {
      await auth.changePassword(requireAuth(ctx).userId, ctx.body.currentPassword, ctx.body.newPassword);
      return { status: 204, body: undefined };
    },
  } satisfies Partial<HandlerMap>;
}
