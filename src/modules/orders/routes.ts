import { requireAuth, type HandlerMap } from '../../http/handler';
import { money } from '../../money';
import type { OrderService } from './service';

export function orderHandlers(orders: OrderService) {
  return {
    createOrder: async (ctx) => ({ status: 201, body: await ctx.tx((tx) => orders.place(tx, requireAuth(ctx), ctx.body)) }),
    listMyOrders: async (ctx) => ({ status: 200, body: await orders.listForBuyer(requireAuth(ctx), ctx.query) }),
    getOrder: async (ctx) => ({ status: 200, body: await orders.get(requireAuth(ctx), ctx.params.orderId) }),
    shipOrder: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.ship(tx, requireAuth(ctx), ctx.params.orderId, ctx.body)) }),
    confirmOrderDelivery: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.confirmDelivery(tx, requireAuth(ctx), ctx.params.orderId)) }),
    cancelOrder: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.cancel(tx, requireAuth(ctx), ctx.params.orderId, ctx.body.reason)) }),
    requestOrderReturn: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.requestReturn(tx, requireAuth(ctx), ctx.params.orderId, ctx.body)) }),
    acceptOrderReturn: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.decideReturn(tx, requireAuth(ctx), ctx.params.orderId, { accept: true })) }),
    rejectOrderReturn: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.decideReturn(tx, requireAuth(ctx), ctx.params.orderId, { accept: false, reason: ctx.body.reason })) }),
    receiveOrderReturn: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.receiveReturn(tx, requireAuth(ctx), ctx.params.orderId, ctx.body.restock)) }),
    refundOrder: async (ctx) => {
      const { amount } = ctx.body;
      return { status: 200, body: await ctx.tx((tx) => orders.refund(tx, requireAuth(ctx), ctx.params.orderId, amount ? money(amount.amount, amount.currency) : undefined)) };
    },
    sendOrderCoreReturn: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.sendCores(tx, requireAuth(ctx), ctx.params.orderId, ctx.body)) }),
    receiveOrderCoreReturn: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.receiveCores(tx, requireAuth(ctx), ctx.params.orderId)) }),
    reviewOrder: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.review(tx, requireAuth(ctx), ctx.params.orderId, ctx.body)) }),
    openOrderDispute: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.dispute(tx, requireAuth(ctx), ctx.params.orderId, ctx.body.reason)) }),
    resolveOrderDispute: async (ctx) => {
      const { outcome, amount, reason } = ctx.body;
      return { status: 200, body: await ctx.tx((tx) => orders.resolveDispute(tx, requireAuth(ctx), ctx.params.orderId, { outcome, reason, ...(amount ? { amount: money(amount.amount, amount.currency) } : {}) })) };
    },
    listSellerOrders: async (ctx) => ({ status: 200, body: await orders.listForSeller(requireAuth(ctx), ctx.query) }),
    listOrdersAsAdmin: async (ctx) => ({ status: 200, body: await orders.listAll(ctx.query) }),
  } satisfies Partial<HandlerMap>;
}
