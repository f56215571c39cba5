import { requireAuth, type HandlerMap } from '../../http/handler';
import type { PartService } from './service';

export function partHandlers(parts: PartService) {
  const withEtag = ({ view, etag }: Awaited<ReturnType<PartService['get']>>) => ({ body: view, headers: { ETag: etag } });

  return {
    searchParts: async ({ query }) => ({ status: 200, body: await parts.search(query) }),
    createPart: async (ctx) => ({ status: 201, ...withEtag(await ctx.tx((tx) => parts.create(tx, requireAuth(ctx), ctx.body))) }),
    getPart: async (ctx) => ({ status: 200, ...withEtag(await parts.get(ctx.auth, ctx.params.partId)) }),
    updatePart: async (ctx) => ({ status: 200, ...withEtag(await parts.update(requireAuth(ctx), ctx.params.partId, ctx.body, ctx.headers['If-Match'])) }),
    withdrawPart: async (ctx) => ({ status: 200, ...withEtag(await parts.withdraw(requireAuth(ctx), ctx.params.partId, ctx.headers['If-Match'])) }),
    adjustPartStock: async (ctx) => ({ status: 200, ...withEtag(await ctx.tx((tx) => parts.adjustStock(tx, requireAuth(ctx), ctx.params.partId, ctx.body))) }),
    listSellerParts: async ({ params, query }) => ({ status: 200, body: await parts.listBySeller(params.sellerId, query) }),
    listMyParts: async (ctx) => ({ status: 200, body: await parts.listMine(requireAuth(ctx), ctx.query) }),
    comparePartOffers: async ({ query }) => ({ status: 200, body: await parts.compare(query.partNumber) }),
    listVehicleMakes: async () => ({ status: 200, body: await parts.vehicleMakes() }),
    listVehicleModels: async ({ params }) => ({ status: 200, body: await parts.vehicleModels(params.make) }),
    getPartHistory: async (ctx) => ({ status: 200, body: await parts.history(ctx.auth, ctx.params.partId, ctx.query) }),
    getPartPassport: async (ctx) => ({ status: 200, body: await parts.passport(ctx.auth, ctx.params.partId) }),
    verifyPartHistory: async (ctx) => ({ status: 200, body: await parts.verifyHistory(ctx.auth, ctx.params.partId) }),
    attestPartEvent: async (ctx) => ({ status: 201, body: await ctx.tx((tx) => parts.attest(tx, requireAuth(ctx), ctx.params.partId, ctx.body)) }),
  } satisfies Partial<HandlerMap>;
}
