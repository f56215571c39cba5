import { requireAuth, type HandlerContext, type HandlerMap } from '../../http/handler';
import type { ReviewAction, SellerService } from './service';

/** The three review operations share one shape: a seller id and a reason. */
type ReviewContext = Pick<HandlerContext<'verifySeller'>, 'auth' | 'params' | 'body'>;

export function sellerHandlers(sellers: SellerService) {
  const review = async (action: ReviewAction, ctx: ReviewContext) => ({
    status: 200 as const,
    body: await sellers.review(action, requireAuth(ctx).userId, ctx.params.sellerId, ctx.body.reason),
  });

  return {
    getMySellerProfile: async (ctx) => {
      const { view, etag } = await sellers.getMine(requireAuth(ctx).userId);
      return { status: 200, body: view, headers: { ETag: etag } };
    },
    putMySellerProfile: async (ctx) => {
      const { view, etag, created } = await sellers.putMine(requireAuth(ctx).userId, ctx.body, ctx.headers['If-Match']);
      return { status: created ? 201 : 200, body: view, headers: { ETag: etag } };
    },
    updateMySellerProfile: async (ctx) => {
      const { view, etag } = await sellers.patchMine(requireAuth(ctx).userId, ctx.body, ctx.headers['If-Match']);
      return { status: 200, body: view, headers: { ETag: etag } };
    },
    listSellers: async ({ query }) => ({ status: 200, body: await sellers.listPublic(query) }),
    getSeller: async ({ params }) => ({ status: 200, body: await sellers.getPublic(params.sellerId) }),
    listSellerProfiles: async ({ query }) => ({ status: 200, body: await sellers.listForReview(query) }),
    verifySeller: (ctx) => review('verify', ctx),
    rejectSeller: (ctx) => review('reject', ctx),
    suspendSeller: (ctx) => review('suspend', ctx),
  } satisfies Partial<HandlerMap>;
}
