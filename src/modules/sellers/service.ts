import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../config';
import { isoNow, type Clock } from '../../clock';
import type { Db } from '../../db/knex';
import { forUpdate, withTx, type Queryable, type Tx } from '../../db/tx';
import { isUniqueViolation } from '../../db/errors';
import { pageNewestFirst, type PageRequest } from '../../http/keyset-paging';
import type { components } from '../../generated/api';
import type { Page } from '../../http/pagination';
import { notFound, Problem, validationProblem } from '../../http/problems';
import { assertIfMatch } from '../../http/preconditions';
import {
  cityKey,
  ratingOf,
  SellerProfile,
  type PublicSellerView,
  type SellerProfileView,
  type SellerStatus,
  type SellerType,
} from './seller-profile.model';
import { SellerStatusEvent } from './seller-status-event.model';
import { Hooks, type Subscriptions } from '../hooks';
import type { UserService } from '../users/service';
import type { SellerEvents } from './hooks';

export { cityKey, type SellerType } from './seller-profile.model';

type ProfileInput = components['schemas']['SellerProfileInput'];
type ProfilePatch = components['schemas']['SellerProfilePatch'];
export type ReviewAction = 'verify' | 'reject' | 'suspend';

/** Which statuses each admin action may start from, and where it leads. */
const TRANSITIONS: Record<ReviewAction, { from: readonly SellerStatus[]; to: SellerStatus }> = {
  verify: { from: ['pending', 'rejected', 'suspended'], to: 'verified' },
  reject: { from: ['pending'], to: 'rejected' },
  suspend: { from: ['pending', 'verified'], to: 'suspended' },
};

/** Fields an admin checked at verification: changing one sends the profile back to review. */
const IDENTITY_FIELDS = ['legalName', 'sellerType', 'registrationNumber'] as const;

export interface PublicSellerFilter extends PageRequest {
  sellerType?: SellerType;
  city?: string;
}

/** Seller profiles and their review; the `seller_profiles` and `seller_status_events` tables are this module's. */
export function createSellerService(db: Db, config: Config, clock: Clock, users: UserService) {
  const hooks = new Hooks<SellerEvents>();

  /** Tells the other modules what buyers may now see of the seller (see SellerEvents). */
  async function publishStanding(tx: Tx, sellerId: string): Promise<void> {
    const profile = await SellerProfile.query(tx).findById(sellerId);
    if (!profile) return;
    const listed = profile.status === 'verified' && Boolean(profile.accountActive);
    await hooks.emit(tx, 'sellerStandingChanged', { sellerId, listed, sellerType: profile.sellerType, legalName: profile.legalName, city: profile.city });
  }

  // A seller whose account is suspended leaves the market with it, and returns on reactivation.
  users.hooks.on('accountStatusChanged', async (tx, { userId, status }) => {
    const profile = await findMine(tx, userId);
    if (!profile) return;
    await SellerProfile.query(tx).findById(profile.id).patch({ accountActive: status === 'active' });
    await publishStanding(tx, profile.id);
  });

  function validate(profile: ProfileInput): void {
    if (profile.sellerType !== 'individual' && !profile.registrationNumber) {
      throw validationProblem('/body/registrationNumber', 'is required unless sellerType is individual');
    }
    if (profile.shippingFee.currency !== config.currency) {
      throw validationProblem('/body/shippingFee/currency', `must be ${config.currency}, the marketplace currency`);
    }
  }

  async function lastChanges(q: Queryable, sellerIds: string[]): Promise<Map<string, SellerProfileView['lastStatusChange']>> {
    const events = sellerIds.length ? await SellerStatusEvent.query(q).whereIn('seller_id', sellerIds).orderBy('id', 'desc') : [];
    const latest = new Map<string, SellerProfileView['lastStatusChange']>();
    for (const e of events) {
      if (!latest.has(e.sellerId) && e.actorId) {
        latest.set(e.sellerId, { status: e.toStatus, reason: e.reason, actorId: e.actorId, at: e.createdAt });
      }
    }
    return latest;
  }

  async function toView(q: Queryable, profile: SellerProfile): Promise<SellerProfileView> {
    return profile.toView((await lastChanges(q, [profile.id])).get(profile.id) ?? null);
  }

  async function recordStatus(tx: Tx, profile: SellerProfile, to: SellerStatus, reason: string, actorId: string): Promise<void> {
    await SellerStatusEvent.query(tx).insert({
      id: uuidv7(),
      sellerId: profile.id,
      fromStatus: profile.status,
      toStatus: to,
      reason,
      actorId,
      createdAt: isoNow(clock),
    });
  }

  /** Applies an owner's edit with optimistic locking; identity changes re-open the review. */
  async function saveOwnerEdit(tx: Tx, current: SellerProfile, next: ProfileInput): Promise<SellerProfile> {
    const identityChanged = IDENTITY_FIELDS.some((f) => (next[f] ?? null) !== (current[f] ?? null));
    const reopen = identityChanged && (current.status === 'verified' || current.status === 'rejected');
    if (reopen) await recordStatus(tx, current, 'pending', 'Identity details changed; the profile needs a new review.', current.userId);
    const updated = await SellerProfile.query(tx)
      .where({ id: current.id, version: current.version })
      .patch({
        ...columnsOf(next),
        status: reopen ? 'pending' : current.status,
        version: current.version + 1,
        updatedAt: isoNow(clock),
      });
    if (updated === 0) throw new Problem('precondition-failed', 'The profile changed meanwhile; reload it and retry.');
    await publishStanding(tx, current.id);
    return SellerProfile.query(tx).findById(current.id).throwIfNotFound();
  }

  const columnsOf = (p: ProfileInput) => ({
    legalName: p.legalName,
    sellerType: p.sellerType,
    registrationNumber: p.registrationNumber ?? null,
    city: p.city,
    cityKey: cityKey(p.city),
    country: p.country,
    phone: p.phone,
    shippingFeeAmount: p.shippingFee.amount,
    shippingFeeCurrency: p.shippingFee.currency,
  });

  const findMine = (q: Queryable, userId: string) => SellerProfile.query(q).findOne({ user_id: userId });
  /** The same, locked until the transaction ends: concurrent edits wait for each other. */
  const findMineForUpdate = (tx: Tx, userId: string) => forUpdate(tx, SellerProfile.query(tx).findOne({ user_id: userId }));

  /** One attempt of PUT: create the profile, or replace it under its lock. */
  function putOnce(userId: string, input: ProfileInput, ifMatch: string | undefined): Promise<{ view: SellerProfileView; etag: string; created: boolean }> {
    return withTx(db, async (tx) => {
      const current = await findMineForUpdate(tx, userId);
      if (current) {
        assertIfMatch(ifMatch, current.etag);
        const saved = await saveOwnerEdit(tx, current, input);
        return { view: await toView(tx, saved), etag: saved.etag, created: false };
      }
      if (ifMatch !== undefined && ifMatch !== '*') assertIfMatch(ifMatch, '"0"');
      const now = isoNow(clock);
      const created = await SellerProfile.query(tx).insertAndFetch({
        id: uuidv7(),
        userId,
        ...columnsOf(input),
        status: 'pending',
        verifiedAt: null,
        accountActive: true,
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      return { view: await toView(tx, created), etag: created.etag, created: true };
    });
  }

  return {
    async getMine(userId: string): Promise<{ view: SellerProfileView; etag: string }> {
      const profile = await findMine(db, userId);
      if (!profile) throw new Problem('not-found', 'You have no seller profile yet; create it with PUT.');
      return { view: await toView(db, profile), etag: profile.etag };
    },

    async putMine(userId: string, input: ProfileInput, ifMatch: string | undefined): Promise<{ view: SellerProfileView; etag: string; created: boolean }> {
      validate(input);
      try {
        return await putOnce(userId, input, ifMatch);
      } catch (err) {
        // Two first PUTs raced and the other created the profile: this one now replaces it.
        if (isUniqueViolation(err)) return putOnce(userId, input, ifMatch);
        throw err;
      }
    },


    async patchMine(userId: string, patch: ProfilePatch, ifMatch: string | undefined): Promise<{ view: SellerProfileView; etag: string }> {
      return withTx(db, async (tx) => {
        const current = await findMineForUpdate(tx, userId);
        if (!current) throw new Problem('not-found', 'You have no seller profile yet; create it with PUT.');
        assertIfMatch(ifMatch, current.etag);
        const merged: ProfileInput = {
          legalName: patch.legalName ?? current.legalName,
          sellerType: patch.sellerType ?? current.sellerType,
          registrationNumber: patch.registrationNumber === null ? undefined : (patch.registrationNumber ?? current.registrationNumber ?? undefined),
          city: patch.city ?? current.city,
          country: patch.country ?? current.country,
          phone: patch.phone ?? current.phone,
          shippingFee: patch.shippingFee ?? { amount: current.shippingFeeAmount, currency: current.shippingFeeCurrency },
        };
        validate(merged);
        const saved = await saveOwnerEdit(tx, current, merged);
        return { view: await toView(tx, saved), etag: saved.etag };
      });
    },

    async listPublic(filter: PublicSellerFilter): Promise<Page<PublicSellerView>> {
      const query = SellerProfile.query(db).where('seller_profiles.status', 'verified').where('seller_profiles.account_active', true);
      if (filter.sellerType) query.where('seller_profiles.seller_type', filter.sellerType);
      if (filter.city) query.where('seller_profiles.city_key', cityKey(filter.city));
      return pageNewestFirst(query, filter, (p) => p.toPublicView(), 'seller_profiles.id');
    },

    async getPublic(sellerId: string): Promise<PublicSellerView> {
      const profile = await SellerProfile.query(db).findOne({ id: sellerId, status: 'verified', account_active: true });
      if (!profile) throw notFound('seller');
      return profile.toPublicView();
    },

    async listForReview(filter: PageRequest & { status?: SellerStatus }): Promise<Page<SellerProfileView>> {
      const query = SellerProfile.query(db);
      if (filter.status) query.where('status', filter.status);
      const page = await pageNewestFirst(query, filter, (p) => p);
      const changes = await lastChanges(db, page.data.map((p) => p.id));
      return { data: page.data.map((p) => p.toView(changes.get(p.id) ?? null)), nextCursor: page.nextCursor };
    },

    async review(action: ReviewAction, actorId: string, sellerId: string, reason: string): Promise<SellerProfileView> {
      const { from, to } = TRANSITIONS[action];
      return withTx(db, async (tx) => {
        const profile = await forUpdate(tx, SellerProfile.query(tx).findById(sellerId));
        if (!profile) throw notFound('seller');
        if (!from.includes(profile.status)) {
          throw new Problem('invalid-state-transition', `A seller in status ${profile.status} cannot be moved to ${to}.`);
        }
        await recordStatus(tx, profile, to, reason, actorId);
        const now = isoNow(clock);
        const updated = await SellerProfile.query(tx).where({ id: profile.id, version: profile.version }).patch({
          status: to,
          verifiedAt: to === 'verified' ? now : profile.verifiedAt,
          version: profile.version + 1,
          updatedAt: now,
        });
        if (updated === 0) throw new Problem('precondition-failed', 'The profile changed meanwhile; reload it and retry.');
        await publishStanding(tx, profile.id);
        return toView(tx, await SellerProfile.query(tx).findById(profile.id).throwIfNotFound());
      });
    },

    hooks: hooks as Subscriptions<SellerEvents>,

    /** The seller profile of an account, if it has one. */
    findProfileByUser: async (q: Queryable, userId: string): Promise<SellerProfile | undefined> => findMine(q, userId),
    findProfile: async (q: Queryable, sellerId: string): Promise<SellerProfile | undefined> => SellerProfile.query(q).findById(sellerId),

    /** A buyer's rating of one of the seller's orders, added to the profile's count and total in the caller's transaction. */
    async recordRating(tx: Tx, sellerId: string, rating: number): Promise<void> {
      await tx('seller_profiles').where({ id: sellerId }).increment({ rating_count: 1, rating_total: rating });
    },

    /** The ratings of these sellers, by id (the comparator's offers). */
    async ratingsOf(q: Queryable, sellerIds: readonly string[]): Promise<Map<string, ReturnType<typeof ratingOf>>> {
      const rows = (await q('seller_profiles').whereIn('id', [...new Set(sellerIds)]).select('id', 'rating_count', 'rating_total')) as { id: string; rating_count: number | string; rating_total: number | string }[];
      return new Map(rows.map((r) => [r.id, ratingOf(r.rating_count, r.rating_total)]));
    },
  };
}

export type SellerService = ReturnType<typeof createSellerService>;
