import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../config';
import { forUpdate, nowIso, type Db } from '../../db/knex';
import { isUniqueViolation } from '../../db/errors';
import { pageNewestFirst, type PageRequest } from '../../db/paging';
import type { components } from '../../generated/api';
import type { Page } from '../../http/pagination';
import { notFound, Problem, validationProblem } from '../../http/problems';
import { assertIfMatch } from '../../http/preconditions';
import {
  cityKey,
  SellerProfile,
  type PublicSellerView,
  type SellerProfileView,
  type SellerStatus,
  type SellerType,
} from './seller-profile.model';
import { SellerStatusEvent } from './seller-status-event.model';
import { refreshSellerListing } from '../parts/listing-sync';

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

export function createSellerService(db: Db, config: Config) {
  function validate(profile: ProfileInput): void {
    if (profile.sellerType !== 'individual' && !profile.registrationNumber) {
      throw validationProblem('/body/registrationNumber', 'is required unless sellerType is individual');
    }
    if (profile.shippingFee.currency !== config.currency) {
      throw validationProblem('/body/shippingFee/currency', `must be ${config.currency}, the marketplace currency`);
    }
  }

  async function lastChanges(sellerIds: string[], trx: Db = db): Promise<Map<string, SellerProfileView['lastStatusChange']>> {
    const events = sellerIds.length ? await SellerStatusEvent.query(trx).whereIn('seller_id', sellerIds).orderBy('id', 'desc') : [];
    const latest = new Map<string, SellerProfileView['lastStatusChange']>();
    for (const e of events) {
      if (!latest.has(e.sellerId) && e.actorId) {
        latest.set(e.sellerId, { status: e.toStatus, reason: e.reason, actorId: e.actorId, at: e.createdAt });
      }
    }
    return latest;
  }

  async function toView(profile: SellerProfile, trx: Db = db): Promise<SellerProfileView> {
    return profile.toView((await lastChanges([profile.id], trx)).get(profile.id) ?? null);
  }

  async function recordStatus(trx: Db, profile: SellerProfile, to: SellerStatus, reason: string, actorId: string): Promise<void> {
    await SellerStatusEvent.query(trx).insert({
      id: uuidv7(),
      sellerId: profile.id,
      fromStatus: profile.status,
      toStatus: to,
      reason,
      actorId,
      createdAt: nowIso(),
    });
  }

  /** Applies an owner's edit with optimistic locking; identity changes re-open the review. */
  async function saveOwnerEdit(trx: Db, current: SellerProfile, next: ProfileInput): Promise<SellerProfile> {
    const identityChanged = IDENTITY_FIELDS.some((f) => (next[f] ?? null) !== (current[f] ?? null));
    const reopen = identityChanged && (current.status === 'verified' || current.status === 'rejected');
    if (reopen) await recordStatus(trx, current, 'pending', 'Identity details changed; the profile needs a new review.', current.userId);
    const updated = await SellerProfile.query(trx)
      .where({ id: current.id, version: current.version })
      .patch({
        ...columnsOf(next),
        status: reopen ? 'pending' : current.status,
        version: current.version + 1,
        updatedAt: nowIso(),
      });
    if (updated === 0) throw new Problem('precondition-failed', 'The profile changed meanwhile; reload it and retry.');
    await refreshSellerListing(trx, current.id);
    return SellerProfile.query(trx).findById(current.id).throwIfNotFound();
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

  const findMine = (trx: Db, userId: string) => SellerProfile.query(trx).findOne({ user_id: userId });
  /** The same, locked until the transaction ends: concurrent edits wait for each other. */
  const findMineForUpdate = (trx: Db, userId: string) => forUpdate(trx, SellerProfile.query(trx).findOne({ user_id: userId }));

  /** One attempt of PUT: create the profile, or replace it under its lock. */
  function putOnce(userId: string, input: ProfileInput, ifMatch: string | undefined): Promise<{ view: SellerProfileView; etag: string; created: boolean }> {
    return db.transaction(async (trx) => {
      const current = await findMineForUpdate(trx, userId);
      if (current) {
        assertIfMatch(ifMatch, current.etag);
        const saved = await saveOwnerEdit(trx, current, input);
        return { view: await toView(saved, trx), etag: saved.etag, created: false };
      }
      if (ifMatch !== undefined && ifMatch !== '*') assertIfMatch(ifMatch, '"0"');
      const now = nowIso();
      const created = await SellerProfile.query(trx).insertAndFetch({
        id: uuidv7(),
        userId,
        ...columnsOf(input),
        status: 'pending',
        verifiedAt: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      return { view: await toView(created, trx), etag: created.etag, created: true };
    });
  }

  return {
    async getMine(userId: string): Promise<{ view: SellerProfileView; etag: string }> {
      const profile = await findMine(db, userId);
      if (!profile) throw new Problem('not-found', 'You have no seller profile yet; create it with PUT.');
      return { view: await toView(profile), etag: profile.etag };
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
      return db.transaction(async (trx) => {
        const current = await findMineForUpdate(trx, userId);
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
        const saved = await saveOwnerEdit(trx, current, merged);
        return { view: await toView(saved, trx), etag: saved.etag };
      });
    },

    async listPublic(filter: PublicSellerFilter): Promise<Page<PublicSellerView>> {
      const query = SellerProfile.query(db)
        .select('seller_profiles.*')
        .join('users', 'users.id', 'seller_profiles.user_id')
        .where('seller_profiles.status', 'verified')
        .where('users.status', 'active');
      if (filter.sellerType) query.where('seller_profiles.seller_type', filter.sellerType);
      if (filter.city) query.where('seller_profiles.city_key', cityKey(filter.city));
      return pageNewestFirst(query, filter, (p) => p.toPublicView(), 'seller_profiles.id');
    },

    async getPublic(sellerId: string): Promise<PublicSellerView> {
      const profile = await SellerProfile.query(db)
        .select('seller_profiles.*')
        .join('users', 'users.id', 'seller_profiles.user_id')
        .where({ 'seller_profiles.id': sellerId, 'seller_profiles.status': 'verified', 'users.status': 'active' })
        .first();
      if (!profile) throw notFound('seller');
      return profile.toPublicView();
    },

    async listForReview(filter: PageRequest & { status?: SellerStatus }): Promise<Page<SellerProfileView>> {
      const query = SellerProfile.query(db);
      if (filter.status) query.where('status', filter.status);
      const page = await pageNewestFirst(query, filter, (p) => p);
      const changes = await lastChanges(page.data.map((p) => p.id));
      return { data: page.data.map((p) => p.toView(changes.get(p.id) ?? null)), nextCursor: page.nextCursor };
    },

    async review(action: ReviewAction, actorId: string, sellerId: string, reason: string): Promise<SellerProfileView> {
      const { from, to } = TRANSITIONS[action];
      return db.transaction(async (trx) => {
        const profile = await forUpdate(trx, SellerProfile.query(trx).findById(sellerId));
        if (!profile) throw notFound('seller');
        if (!from.includes(profile.status)) {
          throw new Problem('invalid-state-transition', `A seller in status ${profile.status} cannot be moved to ${to}.`);
        }
        await recordStatus(trx, profile, to, reason, actorId);
        const now = nowIso();
        const updated = await SellerProfile.query(trx).where({ id: profile.id, version: profile.version }).patch({
          status: to,
          verifiedAt: to === 'verified' ? now : profile.verifiedAt,
          version: profile.version + 1,
          updatedAt: now,
        });
        if (updated === 0) throw new Problem('precondition-failed', 'The profile changed meanwhile; reload it and retry.');
        await refreshSellerListing(trx, profile.id);
        return toView(await SellerProfile.query(trx).findById(profile.id).throwIfNotFound(), trx);
      });
    },

    findProfileByUser: async (userId: string): Promise<SellerProfile | undefined> => findMine(db, userId),

    /** Used by inventory: only verified sellers of active accounts may list parts. */
    async findVerifiedByUser(userId: string): Promise<SellerProfile | undefined> {
      return SellerProfile.query(db).findOne({ user_id: userId, status: 'verified' });
    },
  };
}

export type SellerService = ReturnType<typeof createSellerService>;
