import type { Db } from '../../db/knex';
import { requireAuth, type HandlerMap } from '../../http/handler';
import { compareOffers, vehicleMakes, vehicleModels } from './catalog';
import { createSearchIndex } from './search-index';
import { searchParts } from './search';
import type { PartService } from './service';

export function partHandlers(db: Db, parts: PartService) {
  const index = createSearchIndex(db);
  const withEtag = ({ view, etag }: { view: Awaited<ReturnType<PartService['get']>>['view']; etag: string }) => ({ body: view, headers: { ETag: etag } });

  return {
    searchParts: async ({ query }) => ({ status: 200, body: await searchParts(db, index, query) }),
    createPart: async (ctx) => ({ status: 201, ...withEtag(await parts.create(requireAuth(ctx), ctx.body)) }),
    getPart: async (ctx) => ({ status: 200, ...withEtag(await parts.get(ctx.auth, ctx.params.partId)) }),
    updatePart: async (ctx) => ({ status: 200, ...withEtag(await parts.update(requireAuth(ctx), ctx.params.partId, ctx.body, ctx.req.get('If-Match'))) }),
    withdrawPart: async (ctx) => ({ status: 200, ...withEtag(await parts.withdraw(requireAuth(ctx), ctx.params.partId, ctx.req.get('If-Match'))) }),
    adjustPartStock: async (ctx) => ({ status: 200, ...withEtag(await parts.adjustStock(requireAuth(ctx), ctx.params.partId, ctx.body)) }),
    listSellerParts: async ({ params, query }) => ({ status: 200, body: await parts.listBySeller(params.sellerId, query) }),
    listMyParts: async (ctx) => ({ status: 200, body: await parts.listMine(requireAuth(ctx), ctx.query) }),
    comparePartOffers: async ({ query }) => ({ status: 200, body: await compareOffers(db, query.partNumber) }),
    listVehicleMakes: async () => ({ status: 200, body: await vehicleMakes(db) }),
    listVehicleModels: async ({ params }) => ({ status: 200, body: await vehicleModels(db, params.make) }),
  } satisfies Partial<HandlerMap>;
}
