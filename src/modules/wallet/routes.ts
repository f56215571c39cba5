import { requireAuth, type HandlerMap } from '../../http/handler';
import { money } from '../../money';
import type { WalletService } from './service';

export function walletHandlers(wallet: WalletService) {
  return {
    getWallet: async (ctx) => {
      const { available, held } = await wallet.balance(requireAuth(ctx).userId);
      return { status: 200, body: { available, held, currency: wallet.currency } };
    },
    createTransfer: async (ctx) => {
      const { recipient, amount, memo } = ctx.body;
      const sent = await ctx.tx((tx) => wallet.send(tx, requireAuth(ctx).userId, recipient, money(amount.amount, amount.currency), memo));
      return { status: 201, body: sent };
    },
  } satisfies Partial<HandlerMap>;
}
