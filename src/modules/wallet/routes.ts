import { requireAuth, type HandlerMap } from '../../http/handler';
import { DEFAULT_LIMIT } from '../../http/pagination';
import { money } from '../../money';
import type { WalletService } from './service';

export function walletHandlers(wallet: WalletService) {
  return {
    getWallet: async (ctx) => {
      const { available, held } = await wallet.balance(requireAuth(ctx).userId);
      return { status: 200, body: { available, held, currency: wallet.currency } };
    },
    createDeposit: async (ctx) => {
      const user = requireAuth(ctx);
      const { amount } = ctx.body;
      // The client's key, scoped to the user, is the provider's: one charge per request however retried.
      const reference = `${user.userId}:${ctx.headers['Idempotency-Key']}`;
      return { status: 201, body: await ctx.tx((tx) => wallet.topUp(tx, user.userId, money(amount.amount, amount.currency), reference)) };
    },
    createWithdrawal: async (ctx) => {
      const { amount, destination } = ctx.body;
      return { status: 202, body: await ctx.tx((tx) => wallet.withdraw(tx, requireAuth(ctx).userId, money(amount.amount, amount.currency), destination)) };
    },
    getWithdrawal: async (ctx) => ({ status: 200, body: await wallet.withdrawal(requireAuth(ctx).userId, ctx.params.withdrawalId) }),
    createTransfer: async (ctx) => {
      const { recipient, amount, memo } = ctx.body;
      const sent = await ctx.tx((tx) => wallet.send(tx, requireAuth(ctx).userId, recipient, money(amount.amount, amount.currency), memo));
      return { status: 201, body: sent };
    },
    listWalletTransactions: async (ctx) => {
      const { kind, from, to, limit, cursor } = ctx.query;
      return { status: 200, body: await wallet.statement(requireAuth(ctx).userId, { kind, from, to, cursor, limit: limit ?? DEFAULT_LIMIT }) };
    },
    verifyWallet: async (ctx) => ({ status: 200, body: await wallet.verify(requireAuth(ctx).userId) }),
    getWalletTransactionProof: async (ctx) => ({ status: 200, body: await wallet.proof(requireAuth(ctx).userId, ctx.params.transactionId) }),
    getUserWalletAsAdmin: async (ctx) => ({ status: 200, body: { ...(await wallet.balanceOf(ctx.params.userId)), currency: wallet.currency } }),
    listUserWalletTransactionsAsAdmin: async (ctx) => {
      const { kind, from, to, limit, cursor } = ctx.query;
      return { status: 200, body: await wallet.statementOf(ctx.params.userId, { kind, from, to, cursor, limit: limit ?? DEFAULT_LIMIT }) };
    },
    getLedgerTransactionAsAdmin: async (ctx) => ({ status: 200, body: await wallet.ledgerTransaction(ctx.params.transactionId) }),
    reconcileLedger: async () => ({ status: 200, body: await wallet.reconcile() }),
    refundTransaction: async (ctx) => {
      const { amount, reason } = ctx.body;
      const input = { reason, ...(amount ? { amount: money(amount.amount, amount.currency) } : {}) };
      return { status: 201, body: await ctx.tx((tx) => wallet.refund(tx, requireAuth(ctx).userId, ctx.params.transactionId, input)) };
    },
    createRefundRequest: async (ctx) => ({ status: 201, body: await ctx.tx((tx) => wallet.requestRefund(tx, requireAuth(ctx).userId, ctx.body.transactionId, ctx.body.reason)) }),
    listRefundRequests: async (ctx) => ({ status: 200, body: await wallet.refundRequests(requireAuth(ctx).userId, ctx.query.limit ?? DEFAULT_LIMIT, ctx.query.cursor) }),
    getRefundRequest: async (ctx) => ({ status: 200, body: await wallet.refundRequest(requireAuth(ctx).userId, ctx.params.refundRequestId) }),
    approveRefundRequest: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => wallet.decideRefundRequest(tx, requireAuth(ctx).userId, ctx.params.refundRequestId, 'approve', ctx.body.note ?? null)) }),
    rejectRefundRequest: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => wallet.decideRefundRequest(tx, requireAuth(ctx).userId, ctx.params.refundRequestId, 'reject', ctx.body.note ?? null)) }),
    getWalletTransaction: async (ctx) => ({ status: 200, body: await wallet.movement(requireAuth(ctx).userId, ctx.params.transactionId) }),
  } satisfies Partial<HandlerMap>;
}
