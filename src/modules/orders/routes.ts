import { requireAuth, type HandlerMap } from '../../http/handler';
import type { OrderService } from './service';

export function orderHandlers(orders: OrderService) {
  return {
    createOrder: async (ctx) => ({ status: 201, body: await ctx.tx((tx) => orders.place(tx, requireAuth(ctx), ctx.body)) }),
    listMyOrders: async (ctx) => ({ status: 200, body: await orders.listForBuyer(requireAuth(ctx), ctx.query) }),
    getOrder: async (ctx) => ({ status: 200, body: await orders.get(requireAuth(ctx), ctx.params.orderId) }),
    shipOrder: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.ship(tx, requireAuth(ctx), ctx.params.orderId, ctx.body)) }),
    confirmOrderDelivery: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.confirmDelivery(tx, requireAuth(ctx), ctx.params.orderId)) }),
    cancelOrder: async (ctx) => ({ status: 200, body: await ctx.tx((tx) => orders.cancel(tx, requireAuth(ctx), ctx.params.orderId, ctx.body.reason)) }),
    listSellerOrders: async (ctx) => ({ status: 200, body: await orders.listForSeller(requireAuth(ctx), ctx.query) }),
    listOrdersAsAdmin: async (ctx) => ({ status: 200, body: await orders.listAll(ctx.query) }),
  } satisfies Partial<HandlerMap>;
}
