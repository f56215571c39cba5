import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../config';
import { isoNow, type Clock } from '../../clock';
import type { Db } from '../../db/knex';
import { forUpdate, lockRows, withTx, type Tx } from '../../db/tx';
import type { components } from '../../generated/api';
import type { AuthContext } from '../../http/auth';
import type { Page } from '../../http/pagination';
import { notFound, Problem, validationProblem } from '../../http/problems';
import { assertIfMatch } from '../../http/preconditions';
import type { SellerService } from '../sellers/service';
import { stateHash, type TraceService } from '../trace/service';
import { actorOf, changedFields, listingSnapshot, partEvent, partEventView } from './history';
import { Part, type PartView } from './part.model';
import { assertPartRules, type PartInput } from './rules';
import { createSearchIndex } from './search-index';
import { pagePartsNewestFirst, partReader, partRowReader, partViewsReader } from './views';
import { contentColumns } from './listing-rows';
import { createListingStore } from './listing-store';
import { compareOffers, vehicleMakes, vehicleModels, type OfferFigures } from './catalog';
import { searchParts, type SearchQuery } from './search';
import { applySellerStanding } from './listing-sync';

type PartPatch = components['schemas']['PartPatch'];

const sellerNotVerified = (status: string | null): Problem =>
  new Problem(
    'seller-not-verified',
    status === null
      ? 'Only sellers verified by OTOMOTO may list parts; create your seller profile and wait for its review.'
      : `Your seller profile is ${status}: only verified sellers may create, edit, publish, withdraw or restock listings.`,
  );
type StockAdjustment = components['schemas']['StockAdjustment'];

/** A quantity of a listing, for an order. */
export interface ReservationLine {
  partId: string;
  quantity: number;
}
/** A listing as an order bought it: its seller, title, price and core charge of that moment (minor units). */
export interface ReservedPart extends ReservationLine {
  sellerId: string;
  title: string;
  unitPrice: number;
  coreCharge: number;
}

/** An order's lines as quantities by listing: a listing named twice counts once, its quantities added. */
function quantitiesByPart(lines: readonly ReservationLine[]): Map<string, number> {
  const wanted = new Map<string, number>();
  for (const line of lines) wanted.set(line.partId, (wanted.get(line.partId) ?? 0) + line.quantity);
  return wanted;
}

const notOrderable = (partId: string, why: string): Problem => new Problem('part-not-orderable', `Part ${partId} ${why}.`);
type AttestationInput = components['schemas']['AttestationInput'];
type PartEvent = components['schemas']['PartEvent'];
type ChainVerification = components['schemas']['ChainVerification'];
type Passport = components['schemas']['Passport'];

export function createPartService(db: Db, config: Config, clock: Clock, sellers: SellerService, trace: TraceService) {
  // Search reads a seller's standing from the listing rows; they follow it in the same transaction.
  sellers.hooks.on('sellerStandingChanged', applySellerStanding);

  const index = createSearchIndex(db);
  const store = createListingStore(db, trace.appendMany);
  const readRow = partRowReader(db);
  const readPart = partReader(readRow);
  const search = { db, index, limits: config.search, readViews: partViewsReader(readRow) };

  /**
   * The caller's own listing, locked for the change: 404 if nobody may see it, 403 if it is
   * someone else's, 403 `seller-not-verified` unless the seller is verified (a pending, rejected or
   * suspended seller may not edit, publish, withdraw or restock either).
   */
  async function ownPart(tx: Tx, auth: AuthContext, partId: string): Promise<Part> {
    const part = await forUpdate(tx, Part.read(tx).findById(partId));
    if (!part) throw notFound('part');
    const seller = await sellers.findProfile(tx, part.sellerId);
    if (seller?.userId !== auth.userId) {
      if (part.status !== 'active') throw notFound('part');
      throw new Problem('forbidden', 'Only the seller of this listing may change it.');
    }
    if (seller.status !== 'verified') throw sellerNotVerified(seller.status);
    return part;
  }


  /**
   * Who may read a listing's history: anyone once it has been on the market (active, sold out or
   * withdrawn: a buyer keeps the right to check what was sold), its seller alone while a draft.
   */
  async function readableHistory(auth: AuthContext | undefined, partId: string): Promise<PartView> {
    const found = await readPart(partId);
    if (!found) throw notFound('part');
    if (found.view.status === 'draft' && (!auth || (await sellers.findProfileByUser(db, auth.userId))?.id !== found.sellerId)) throw notFound('part');
    return found.view;
  }

  /** The listing's event for a change, in the change's transaction. */
  const eventOf = (auth: AuthContext, partId: string, type: string, payload: Record<string, unknown>, after: PartView) => partEvent(partId, type, actorOf(auth), payload, listingSnapshot(after));
  const record = (tx: Tx, auth: AuthContext, partId: string, type: string, payload: Record<string, unknown>, after: PartView) => trace.append(tx, eventOf(auth, partId, type, payload, after));

  /** The listing as an input document, so a patch can be applied and checked like a creation. */
  function asInput(part: PartView): PartInput {
    return {
      title: part.title,
      description: part.description,
      category: part.category,
      brand: part.brand,
      partNumbers: part.partNumbers.map(({ number, kind }) => ({ number, kind })),
      origin: part.origin,
      condition: part.condition,
      grade: part.grade ?? undefined,
      price: part.price,
      coreCharge: part.coreCharge ?? undefined,
      quantity: part.quantity,
      location: part.location,
      warrantyMonths: part.warrantyMonths,
      images: part.images,
      fitment: part.fitment,
      donorVehicle: part.donorVehicle ?? undefined,
      status: part.status === 'draft' ? 'draft' : 'active',
    };
  }

  /**
   * The comparator's figures. A listing's defect rate comes from its history: units returned as
   * defective (`part.returned` with that reason) over units delivered to buyers (`part.delivered`).
   */
  const offerFigures: OfferFigures = {
    sellerRatings: (sellerIds) => sellers.ratingsOf(db, sellerIds),
    async defectRates(partIds) {
      const counts = new Map<string, { defective: number; sold: number }>();
      for (const event of await trace.eventPayloads('part', partIds, ['part.delivered', 'part.returned'])) {
        const count = counts.get(event.subjectId) ?? { defective: 0, sold: 0 };
        const quantity = Number(event.payload.quantity ?? 0);
        if (event.type === 'part.delivered') count.sold += quantity;
        else if (event.payload.reason === 'defective') count.defective += quantity;
        counts.set(event.subjectId, count);
      }
      return new Map([...counts].map(([id, c]) => [id, { ...c, rate: c.sold === 0 ? null : Math.round((c.defective / c.sold) * 10_000) / 10_000 }]));
    },
  };

  /** The listing's stock moved by `delta`, with its stock movement; the listing as saved. */
  async function moveStock(tx: Tx, auth: AuthContext, part: Part, delta: number, reason: string): Promise<Part> {
    await tx('parts').where({ id: part.id }).update({ quantity: part.quantity + delta, version: part.version + 1, updated_at: isoNow(clock) });
    const saved = await Part.read(tx).findById(part.id).throwIfNotFound();
    await tx('part_stock_movements').insert({ id: uuidv7(), part_id: part.id, delta, quantity_after: saved.quantity, reason, actor_id: auth.userId, created_at: isoNow(clock) });
    return saved;
  }

  async function saveVersioned(tx: Tx, part: Part, changes: Record<string, unknown>): Promise<Part> {
    const updated = await tx('parts')
      .where({ id: part.id, version: part.version })
      .update({ ...changes, version: part.version + 1, updated_at: isoNow(clock) });
    if (updated === 0) throw new Problem('precondition-failed', 'The listing changed meanwhile; reload it and retry.');
    return Part.read(tx).findById(part.id).throwIfNotFound();
  }

  return {
    /** In the caller's transaction: the request's, which also stores its idempotent answer. */
    async create(tx: Tx, auth: AuthContext, input: PartInput): Promise<{ view: PartView; etag: string }> {
      assertPartRules(input, config.currency);
      const seller = await sellers.findProfileByUser(tx, auth.userId);
      if (!seller) throw sellerNotVerified(null);
      if (seller.status !== 'verified') throw sellerNotVerified(seller.status);
      const id = uuidv7();
      await store.insert(tx, [{ id, sellerId: seller.id, sellerType: seller.sellerType, sellerLegalName: seller.legalName, sellerCity: seller.city, createdAt: isoNow(clock), input }], actorOf(auth));
      const part = await Part.read(tx).findById(id).throwIfNotFound();
      return { view: part.toView(), etag: part.etag };
    },

    /** One query with the seller's summary: the hottest read of the marketplace. */
    async get(auth: AuthContext | undefined, partId: string): Promise<{ view: PartView; etag: string }> {
      const found = await readPart(partId);
      if (!found) throw notFound('part');
      // Off the market (a draft, a withdrawn listing, a seller not verified): its seller only.
      if (!found.onMarket && (!auth || (await sellers.findProfileByUser(db, auth.userId))?.id !== found.sellerId)) throw notFound('part');
      return { view: found.view, etag: found.etag };
    },

    async update(auth: AuthContext, partId: string, patch: PartPatch, ifMatch: string | undefined): Promise<{ view: PartView; etag: string }> {
      return withTx(db, async (tx) => {
        const part = await ownPart(tx, auth, partId);
        assertIfMatch(ifMatch, part.etag);
        if (part.status === 'withdrawn') throw new Problem('invalid-state-transition', 'A withdrawn listing cannot be edited.');
        const current = asInput(part.toView());
        const merged: PartInput = { ...current };
        for (const [key, value] of Object.entries(patch)) {
          (merged as unknown as Record<string, unknown>)[key] = value === null ? undefined : value;
        }
        if (patch.condition && patch.condition !== 'used' && patch.grade === undefined) merged.grade = undefined;
        assertPartRules(merged, config.currency);
        const saved = await saveVersioned(tx, part, { ...contentColumns(merged), status: patch.status ?? part.status });
        await store.replaceDerived(tx, part.id, merged);
        // The price has an event of its own; the other changes come first, at the former price.
        const before = listingSnapshot(part.toView());
        const after = saved.toView();
        const changes = changedFields(before, listingSnapshot(after));
        const events = [
          ...(Object.keys(changes).length > 0 ? [eventOf(auth, part.id, 'part.updated', { changes }, { ...after, price: before.price })] : []),
          ...(JSON.stringify(before.price) !== JSON.stringify(after.price) ? [eventOf(auth, part.id, 'part.price_changed', { before: before.price, after: after.price }, after)] : []),
        ];
        // Both at once: the chain's head is read once.
        if (events.length > 0) await trace.appendMany(tx, events);
        return { view: after, etag: saved.etag };
      });
    },

    async withdraw(auth: AuthContext, partId: string, ifMatch: string | undefined): Promise<{ view: PartView; etag: string }> {
      return withTx(db, async (tx) => {
        const part = await ownPart(tx, auth, partId);
        assertIfMatch(ifMatch, part.etag);
        if (part.status === 'withdrawn') throw new Problem('invalid-state-transition', 'The listing is already withdrawn.');
        const saved = await saveVersioned(tx, part, { status: 'withdrawn' });
        await record(tx, auth, part.id, 'part.withdrawn', { previousStatus: part.status }, saved.toView());
        return { view: saved.toView(), etag: saved.etag };
      });
    },

    /** Under a row lock: concurrent adjustments add up and can never take stock below zero. */
    async adjustStock(tx: Tx, auth: AuthContext, partId: string, adjustment: StockAdjustment): Promise<{ view: PartView; etag: string }> {
      const part = await ownPart(tx, auth, partId);
      if (part.status === 'withdrawn') throw new Problem('invalid-state-transition', 'A withdrawn listing has no stock to manage.');
      const quantity = 'quantity' in adjustment ? adjustment.quantity : part.quantity + adjustment.delta;
      if (quantity < 0) throw new Problem('insufficient-stock', `Only ${part.quantity} in stock; cannot remove ${part.quantity - quantity}.`);
      if (quantity > 1_000_000) throw validationProblem('/body/delta', 'would take the stock above 1000000');
      const delta = quantity - part.quantity;
      const saved = await moveStock(tx, auth, part, delta, adjustment.reason);
      await record(tx, auth, part.id, 'part.stock_adjusted', { delta, quantity: saved.quantity, reason: adjustment.reason }, saved.toView());
      return { view: saved.toView(), etag: saved.etag };
    },

    /**
     * Stock taken for an order, in the order's transaction: the listings locked in id order (two
     * orders naming the same parts in any order queue instead of deadlocking, and never oversell),
     * each checked to be on the market, in the marketplace's currency, not the buyer's own and in
     * stock, then decremented with a stock movement and a `part.reserved` event in its history.
     * Returns the listings as they were sold: their price and core charge are the order's.
     */
    async reserve(tx: Tx, auth: AuthContext, lines: readonly ReservationLine[], orderId: (sellerId: string) => string): Promise<ReservedPart[]> {
      const wanted = quantitiesByPart(lines);
      const ids = await lockRows(tx, 'parts', [...wanted.keys()]);
      const parts = new Map(((await Part.read(tx).whereIn('id', ids)) as Part[]).map((p) => [p.id, p]));
      const buyerProfile = await sellers.findProfileByUser(tx, auth.userId);
      const reserved: ReservedPart[] = [];
      for (const [partId, quantity] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const part = parts.get(partId);
        if (!part || part.status !== 'active' || !part.sellerListed) throw notOrderable(partId, 'is not on the market');
        if (part.sellerId === buyerProfile?.id) throw notOrderable(partId, 'is your own listing');
        if (part.priceCurrency !== config.currency) throw notOrderable(partId, `is priced in ${part.priceCurrency}, not ${config.currency}`);
        if (quantity > part.quantity) throw new Problem('insufficient-stock', `Only ${part.quantity} of part ${partId} in stock; ${quantity} asked.`);
        const saved = await moveStock(tx, auth, part, -quantity, `Sold: order ${orderId(part.sellerId)}`);
        await record(tx, auth, part.id, 'part.reserved', { orderId: orderId(part.sellerId), quantity, quantityLeft: saved.quantity }, saved.toView());
        reserved.push({ partId, sellerId: part.sellerId, title: part.title, quantity, unitPrice: part.priceAmount, coreCharge: part.coreChargeAmount ?? 0 });
      }
      return reserved;
    },

    /**
     * An order's step in a listing's history (`part.shipped`, `part.delivered`, `part.sold`…), with
     * the listing as it is now; by a user, or by the system (`null`: a timed job).
     */
    async recordOrderEvent(tx: Tx, by: AuthContext | null, partId: string, type: `part.${string}`, payload: Record<string, unknown>): Promise<void> {
      const part = await Part.read(tx).findById(partId).throwIfNotFound();
      await trace.append(tx, partEvent(partId, type, by ? actorOf(by) : { type: 'system' }, payload, listingSnapshot(part.toView())));
    },

    /** Stock an order had taken, given back (a cancellation): a stock movement and a `part.released` event each. */
    async release(tx: Tx, auth: AuthContext, lines: readonly ReservationLine[], orderId: string, reason: string): Promise<void> {
      const wanted = quantitiesByPart(lines);
      const ids = await lockRows(tx, 'parts', [...wanted.keys()]);
      for (const part of (await Part.read(tx).whereIn('id', ids).orderBy('id')) as Part[]) {
        const quantity = wanted.get(part.id) as number;
        const saved = await moveStock(tx, auth, part, quantity, `Released: order ${orderId} ${reason}`.slice(0, 200));
        await record(tx, auth, part.id, 'part.released', { orderId, quantity, quantityLeft: saved.quantity, reason }, saved.toView());
      }
    },

    /** A page of the listing's history, oldest first. */
    async history(auth: AuthContext | undefined, partId: string, page: { limit?: number; cursor?: string }): Promise<Page<PartEvent>> {
      await readableHistory(auth, partId);
      const events = await trace.history({ type: 'part', id: partId }, page);
      return { data: events.data.map(partEventView), nextCursor: events.nextCursor };
    },

    /** The history's hashes and links, and the listing as stored against its last event. */
    async verifyHistory(auth: AuthContext | undefined, partId: string): Promise<ChainVerification> {
      const view = await readableHistory(auth, partId);
      return trace.verify({ type: 'part', id: partId }, listingSnapshot(view));
    },

    /** Everything needed to check the listing's history offline (docs/traceability.md). */
    async passport(auth: AuthContext | undefined, partId: string): Promise<Passport> {
      const subject = { type: 'part', id: partId } as const;
      // The listing and its history are read apart: a change landing between the two reads shows
      // as a snapshot that is not the last event's state, and the pair is read again.
      for (let attempt = 0; ; attempt += 1) {
        const snapshot = listingSnapshot(await readableHistory(auth, partId));
        const events = await trace.chain(subject);
        const last = events[events.length - 1];
        if (last && last.stateHash !== stateHash(snapshot) && attempt < 2) continue;
        const proof = await trace.proofOfLeaf(last?.logIndex ?? null);
        if (!last || !proof) {
          const seconds = trace.loggedWithinSeconds();
          throw new Problem('not-yet-logged', `The listing's latest event is not yet in a signed checkpoint; retry in ${seconds} seconds.`, { headers: { 'Retry-After': String(seconds) } });
        }
        const { checkpoint, inclusionProof, key } = proof;
        return {
          format: 'otomoto-passport/v1',
          partId,
          snapshot,
          // Only what a hash or the signature covers: a change anywhere in a passport is caught.
          events: events.map((event) => {
            const { logIndex: _logIndex, ...rest } = partEventView(event);
            return rest;
          }),
          checkpoint: { origin: checkpoint.origin, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, note: checkpoint.note },
          inclusionProof,
          key: { name: key.name, keyId: key.keyId, verifierKey: key.verifierKey },
        };
      }
    },

    /** The seller attests an event of the part's life; the same rules as an edit. */
    async attest(tx: Tx, auth: AuthContext, partId: string, input: AttestationInput): Promise<PartEvent> {
      const part = await ownPart(tx, auth, partId);
      if (part.status === 'withdrawn') throw new Problem('invalid-state-transition', 'A withdrawn listing takes no new attestations.');
      const payload = { description: input.description, attachments: input.attachments ?? [] };
      return partEventView(await record(tx, auth, part.id, `part.${input.type}`, payload, part.toView()));
    },

    async listMine(auth: AuthContext, filter: { status?: PartView['status']; limit?: number; cursor?: string }): Promise<Page<PartView>> {
      const seller = await sellers.findProfileByUser(db, auth.userId);
      if (!seller) return { data: [], nextCursor: null };
      const query = Part.read(db).where('seller_id', seller.id);
      if (filter.status) query.where('status', filter.status);
      return pagePartsNewestFirst(query, filter);
    },

    /** A seller's shop window: the search, narrowed to the seller, newest first. */
    async listBySeller(sellerId: string, page: { limit?: number; cursor?: string }): Promise<Page<PartView>> {
      const seller = await sellers.findProfile(db, sellerId);
      if (seller?.status !== 'verified') throw notFound('seller');
      return searchParts(search, { sellerId, sort: 'newest', limit: page.limit, cursor: page.cursor });
    },

    search: (query: SearchQuery) => searchParts(search, query),
    compare: (partNumber: string) => compareOffers(db, search.readViews, offerFigures, partNumber),
    vehicleMakes: () => vehicleMakes(db),
    vehicleModels: (make: string) => vehicleModels(db, make),
  };
}

export type PartService = ReturnType<typeof createPartService>;
