import { v7 as uuidv7 } from 'uuid';
import { isoNow, type Clock } from '../../clock';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { forUpdate, type Queryable, type Tx } from '../../db/tx';
import type { components } from '../../generated/api';
import type { AuthContext } from '../../http/auth';
import { cursorField, decodeCursor, DEFAULT_LIMIT, toPage, type Page } from '../../http/pagination';
import { notFound, Problem, validationProblem } from '../../http/problems';
import { money, splitByRate, subtract, type Money } from '../../money';
import type { PartService } from '../parts/service';
import type { SellerService } from '../sellers/service';
import type { PostedTransaction, WalletService } from '../wallet/service';
import { runDueOrders } from './due-steps';
import { placeOrder } from './placement';
import { orderViews, type LineRow, type OrderRow, type OrderStatus, type SellerOrderView } from './views';

type CreateOrderRequest = components['schemas']['CreateOrderRequest'];
type OrderGroupView = components['schemas']['OrderGroup'];
type Tracking = components['schemas']['Tracking'];
type ReturnRequest = components['schemas']['ReturnRequest'];

/** Who acts on an order, seen from the order: its buyer, its seller, or an admin. */
type Party = 'buyer' | 'seller' | 'admin';
/** A step's author: a party and the user, or the system (a timed job) and nobody. */
type Acting = { party: Party; by: AuthContext } | { party: 'system'; by: null };
const SYSTEM: Acting = { party: 'system', by: null };
const DAY_MS = 24 * 60 * 60 * 1000;
/** What completes when its return window closes: a delivered order, or one whose return the seller refused. */
const SETTLES: readonly OrderStatus[] = ['delivered', 'return_rejected'];
/**
 * A money step as a listing's event cites it: the ledger transaction, and the hash of each of its
 * events in the accounts' chains. The listing's event hash covers these hashes, so verifying the
 * listing's history checks that it names exactly these ledger events, which prove the movement
 * (its amounts, its postings) in turn. (The other way round cannot also hold: two hashes cannot
 * each cover the other. The ledger side names the hold by an opaque reference.)
 */
interface LedgerCitation {
  transactionId: string;
  events: { ledgerAccountId: string; hash: string }[];
}
const citation = (transaction: PostedTransaction): LedgerCitation => ({ transactionId: transaction.id, events: transaction.events });

/** Where old parts may go back for their core charges: delivered, and not refunded in full or cancelled. */
const CORES_RETURNABLE: readonly OrderStatus[] = ['delivered', 'completed', 'return_requested', 'return_rejected', 'disputed'];
/** Where a buyer may open a dispute: shipped, and not yet settled. */
const DISPUTABLE: readonly OrderStatus[] = ['shipped', 'delivered', 'return_requested', 'return_accepted', 'return_rejected', 'returned'];

export interface OrderFilter {
  status?: OrderStatus;
  limit?: number;
  cursor?: string;
}

/**
 * Orders (docs/orders.md): a checkout split into one order per seller, paid into escrow from the
 * buyer's wallet, the stock reserved and each listing's history told, in the request's
 * transaction. The parts module owns the stock and the listings' events, the wallet the money:
 * this module calls their services and keeps the orders' own tables.
 */
export function createOrderService(db: Db, config: Config, clock: Clock, parts: PartService, sellers: SellerService, wallet: WalletService) {
  /**
   * The order locked for a change by one of `allowed`: 404 for whoever may not see it, 403 for a
   * party who may see it but not do this (the buyer shipping, an admin cancelling).
   */
  async function orderFor(tx: Tx, auth: AuthContext, orderId: string, allowed: readonly Party[]): Promise<{ order: OrderRow; party: Party }> {
    const order = (await forUpdate(tx, tx('orders').where({ id: orderId })).first()) as OrderRow | undefined;
    const party = order ? await partyOf(tx, auth, order) : undefined;
    if (!order || !party) throw notFound('order');
    if (!allowed.includes(party)) throw new Problem('forbidden', `Only the order's ${allowed.join(' or ')} may do this.`);
    return { order, party };
  }

  async function partyOf(q: Queryable, auth: AuthContext, order: OrderRow): Promise<Party | undefined> {
    if (auth.role === 'admin') return 'admin';
    if (order.buyer_id === auth.userId) return 'buyer';
    const profile = await sellers.findProfileByUser(q, auth.userId);
    return profile?.id === order.seller_id ? 'seller' : undefined;
  }

  /** A status change: checked against what the order is in, recorded with its actor, and the order saved. */
  async function move(tx: Tx, acting: Acting, order: OrderRow, from: readonly OrderStatus[], to: OrderStatus, changes: Partial<OrderRow> = {}, reason: string | null = null): Promise<void> {
    if (!from.includes(order.status)) {
      throw new Problem('invalid-state-transition', `The order is ${order.status}; it cannot become ${to} (only from ${from.join(' or ')}).`);
    }
    const now = isoNow(clock);
    await tx('orders')
      .where({ id: order.id })
      .update({ ...changes, status: to, version: Number(order.version) + 1, updated_at: now });
    await tx('order_transitions').insert({ id: uuidv7(), order_id: order.id, from_status: order.status, to_status: to, actor_type: acting.party, actor_id: acting.by?.userId ?? null, reason, created_at: now });
  }

  /** Each line's listing told what happened to it, in the order's transaction. */
  async function tellParts(tx: Tx, acting: Acting, order: OrderRow, type: `part.${string}`, payload: Record<string, unknown> = {}): Promise<void> {
    const lines = (await tx('order_lines').where({ order_id: order.id }).orderBy('part_id')) as LineRow[];
    for (const line of lines) await parts.recordOrderEvent(tx, acting.by, line.part_id, type, { orderId: order.id, quantity: Number(line.quantity), ...payload });
  }

  /** The order's listings and quantities. */
  const linesOf = async (tx: Tx, order: OrderRow) => ((await tx('order_lines').where({ order_id: order.id })) as LineRow[]).map((line) => ({ partId: line.part_id, quantity: Number(line.quantity) }));

  /** `shipped → delivered`, by the buyer or, once AUTO_CONFIRM_DAYS have passed, the system. */
  async function deliver(tx: Tx, acting: Acting, order: OrderRow): Promise<void> {
    await move(tx, acting, order, ['shipped'], 'delivered');
    await tellParts(tx, acting, order, 'part.delivered');
  }

  /**
   * `delivered → completed` once the return window has closed: the hold captured, in one ledger
   * transaction, the seller paid the total less the commission frozen on the order, the fees
   * account the commission.
   */
  async function complete(tx: Tx, order: OrderRow): Promise<void> {
    await move(tx, SYSTEM, order, SETTLES, 'completed');
    await tellParts(tx, SYSTEM, order, 'part.sold', { ledger: await release(tx, order) });
  }

  /**
   * The escrow paid to the seller less the commission, except the core charges when the old parts
   * came back before: those go back to the buyer in the same ledger transaction (the commission,
   * on the subtotal, is unchanged).
   */
  async function release(tx: Tx, order: OrderRow): Promise<LedgerCitation> {
    const cores = order.core_return === 'received' && order.core_refunded === null ? Number(order.core_charges) : 0;
    if (cores === 0) return settleEscrow(tx, order, money(0, order.currency));
    const seller = await sellers.findProfile(tx, order.seller_id);
    const kept = money(Number(order.total) - cores, order.currency);
    const { transaction } = await wallet.capture(tx, order.hold_id, { payeeId: (seller as { userId: string }).userId, amount: kept, commission: money(Number(order.commission), order.currency) });
    await tx('orders').where({ id: order.id }).update({ core_refunded: cores });
    return citation(transaction);
  }

  /**
   * The order's hold settled, `refunded` of its total back to the buyer and the rest paid to the
   * seller less the frozen commission in proportion to what the seller keeps (all of it when
   * nothing is refunded; none when everything is), in one ledger transaction.
   */
  async function settleEscrow(tx: Tx, order: OrderRow, refunded: Money): Promise<LedgerCitation> {
    const total = money(Number(order.total), order.currency);
    if (refunded.amount === total.amount) return citation((await wallet.void(tx, order.hold_id)).transaction);
    const kept = subtract(total, refunded);
    const commission = splitByRate(money(Number(order.commission), order.currency), { numerator: BigInt(kept.amount), denominator: BigInt(total.amount) }).part;
    const seller = await sellers.findProfile(tx, order.seller_id);
    if (!seller) throw new Error(`order ${order.id}: its seller ${order.seller_id} has no profile`);
    return citation((await wallet.capture(tx, order.hold_id, { payeeId: seller.userId, amount: kept, commission })).transaction);
  }

  /** `refunded` of the order back to its buyer: the order refunded, its listings told. */
  async function refundOrder(tx: Tx, acting: Acting, order: OrderRow, from: readonly OrderStatus[], refunded: Money, reason: string | null = null): Promise<void> {
    if (refunded.currency !== order.currency || refunded.amount > Number(order.total)) {
      throw validationProblem('/body/amount', `must be at most the order's total, ${order.total} minor units of ${order.currency}`);
    }
    await move(tx, acting, order, from, 'refunded', { refunded: refunded.amount }, reason);
    await tellParts(tx, acting, order, 'part.refunded', { amount: refunded, ledger: await settleEscrow(tx, order, refunded) });
  }

  async function view(q: Queryable, orderId: string): Promise<SellerOrderView> {
    const order = (await q('orders').where({ id: orderId }).first()) as OrderRow;
    return (await orderViews(q, [order]))[0] as SellerOrderView;
  }

  async function page(filter: OrderFilter, scope: Partial<Pick<OrderRow, 'buyer_id' | 'seller_id'>>): Promise<Page<SellerOrderView>> {
    const limit = filter.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(filter.cursor, { id: cursorField.id });
    const query = db('orders').where(scope);
    if (filter.status) query.where('status', filter.status);
    if (after) query.where('id', '<', String(after.id));
    const rows = (await query.orderBy('id', 'desc').limit(limit + 1)) as OrderRow[];
    const { data, nextCursor } = toPage(rows, limit, (row) => ({ id: row.id }), (row) => row);
    return { data: await orderViews(db, data), nextCursor };
  }

  return {
    /**
     * A checkout, in the request's transaction: stock reserved, one order per seller priced and
     * its total held in escrow, every listing's history told. Anything refused undoes all of it.
     */
    place: (tx: Tx, auth: AuthContext, input: CreateOrderRequest): Promise<OrderGroupView> => placeOrder(tx, { config, clock, parts, sellers, wallet }, auth, input),

    /** One order, to its buyer, its seller or an admin; 404 for anyone else. */
    async get(auth: AuthContext, orderId: string): Promise<SellerOrderView> {
      const order = (await db('orders').where({ id: orderId }).first()) as OrderRow | undefined;
      if (!order || !(await partyOf(db, auth, order))) throw notFound('order');
      return (await orderViews(db, [order]))[0] as SellerOrderView;
    },

    listForBuyer: (auth: AuthContext, filter: OrderFilter) => page(filter, { buyer_id: auth.userId }),

    async listForSeller(auth: AuthContext, filter: OrderFilter): Promise<Page<SellerOrderView>> {
      const profile = await sellers.findProfileByUser(db, auth.userId);
      if (!profile) return { data: [], nextCursor: null };
      return page(filter, { seller_id: profile.id });
    },

    listAll: (filter: OrderFilter) => page(filter, {}),

    /**
     * One round of the timed steps (docs/orders.md): shipped orders not confirmed within
     * AUTO_CONFIRM_DAYS are delivered, delivered ones past RETURN_WINDOW_DAYS completed. Safe to
     * run again, and on several instances at once: each order moves once.
     */
    async runDueSteps(): Promise<{ delivered: number; completed: number; failed: string[] }> {
      const now = clock.now().getTime();
      const confirm = await runDueOrders(db, ['shipped'], new Date(now - config.orders.autoConfirmDays * DAY_MS), (tx, order) => deliver(tx, SYSTEM, order));
      const settle = await runDueOrders(db, SETTLES, new Date(now - config.orders.returnWindowDays * DAY_MS), complete);
      return { delivered: confirm.done, completed: settle.done, failed: [...confirm.failed, ...settle.failed] };
    },

    /** The buyer, within the return window, asks to send the parts back. */
    async requestReturn(tx: Tx, auth: AuthContext, orderId: string, request: ReturnRequest): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['buyer']);
      await move(tx, { party: 'buyer', by: auth }, order, ['delivered'], 'return_requested', { return_reason: request.reason, return_details: request.details || null }, request.reason);
      return view(tx, orderId);
    },

    /** The seller takes the return, or refuses it (the order then completes when its window closes). */
    async decideReturn(tx: Tx, auth: AuthContext, orderId: string, decision: { accept: true } | { accept: false; reason: string }): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['seller']);
      await move(tx, { party: 'seller', by: auth }, order, ['return_requested'], decision.accept ? 'return_accepted' : 'return_rejected', {}, decision.accept ? null : decision.reason);
      return view(tx, orderId);
    },

    /** The seller has the parts back; with `restock`, they go back on sale. */
    async receiveReturn(tx: Tx, auth: AuthContext, orderId: string, restock: boolean): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['seller']);
      const acting: Acting = { party: 'seller', by: auth };
      await move(tx, acting, order, ['return_accepted'], 'returned');
      await tellParts(tx, acting, order, 'part.returned', { reason: order.return_reason, restocked: restock });
      if (restock) await parts.release(tx, auth, await linesOf(tx, order), order.id, 'returned by the buyer');
      return view(tx, orderId);
    },

    /**
     * A returned order refunded from escrow: all of it (the hold voided), or `amount` of it (the
     * hold captured for the rest, the commission in proportion to what the seller keeps), in one
     * ledger transaction.
     */
    async refund(tx: Tx, auth: AuthContext, orderId: string, amount?: Money): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['seller']);
      await refundOrder(tx, { party: 'seller', by: auth }, order, ['returned'], amount ?? money(Number(order.total), order.currency));
      return view(tx, orderId);
    },

    /** After delivery, the buyer sends the old parts back for the core charges. */
    async sendCores(tx: Tx, auth: AuthContext, orderId: string, tracking: Tracking): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['buyer']);
      if (Number(order.core_charges) === 0) throw new Problem('invalid-state-transition', 'The order has no core charges: there is no old part to send back.');
      if (order.core_return !== null) throw new Problem('invalid-state-transition', `The old parts were already ${order.core_return}.`);
      if (!CORES_RETURNABLE.includes(order.status)) throw new Problem('invalid-state-transition', `The order is ${order.status}; old parts go back once it is delivered.`);
      await tx('orders').where({ id: order.id }).update({ core_return: 'sent', core_tracking_json: JSON.stringify(tracking), version: Number(order.version) + 1, updated_at: isoNow(clock) });
      return view(tx, orderId);
    },

    /**
     * The seller has the old parts: the core charges go back to the buyer once, from escrow when
     * the order settles, or at once from the seller's wallet if it has settled already.
     */
    async receiveCores(tx: Tx, auth: AuthContext, orderId: string): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['seller']);
      if (order.core_return !== 'sent') throw new Problem('invalid-state-transition', order.core_return === 'received' ? 'The old parts were already received.' : 'The buyer has not sent the old parts back.');
      // A refunded order's escrow went back as the refund decided: there is no core charge left to return.
      if (order.status === 'refunded') throw new Problem('invalid-state-transition', 'The order is refunded; its escrow, core charges included, went back as the refund decided.');
      const changes: Partial<OrderRow> = { core_return: 'received' };
      if (order.status === 'completed') {
        const cores = money(Number(order.core_charges), order.currency);
        await wallet.transfer(tx, auth.userId, order.buyer_id, cores, `Core charges of order ${order.id}`);
        changes.core_refunded = cores.amount;
      }
      await tx('orders').where({ id: order.id }).update({ ...changes, version: Number(order.version) + 1, updated_at: isoNow(clock) });
      await tellParts(tx, { party: 'seller', by: auth }, order, 'part.core_returned');
      return view(tx, orderId);
    },

    /** The buyer rates a completed order, once; the seller's rating follows in the same transaction. */
    async review(tx: Tx, auth: AuthContext, orderId: string, input: { rating: number; comment?: string }): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['buyer']);
      if (order.status !== 'completed') throw new Problem('invalid-state-transition', `The order is ${order.status}; only a completed order can be reviewed.`);
      const inserted = (await tx('order_reviews')
        .insert({ order_id: order.id, seller_id: order.seller_id, buyer_id: auth.userId, rating: input.rating, comment: input.comment || null, created_at: isoNow(clock) })
        .onConflict('order_id')
        .ignore()
        .returning('order_id')) as unknown[];
      if (inserted.length === 0) throw new Problem('invalid-state-transition', 'The order is already reviewed; a review is given once.');
      await sellers.recordRating(tx, order.seller_id, input.rating);
      return view(tx, orderId);
    },

    /** The buyer contests the order once shipped and before it settled: its escrow frozen until an admin decides. */
    async dispute(tx: Tx, auth: AuthContext, orderId: string, reason: string): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['buyer']);
      await move(tx, { party: 'buyer', by: auth }, order, DISPUTABLE, 'disputed', { dispute_reason: reason }, reason);
      return view(tx, orderId);
    },

    /** An admin settles a dispute: a refund (all or part), or the escrow released to the seller. */
    async resolveDispute(tx: Tx, auth: AuthContext, orderId: string, resolution: { outcome: 'refund' | 'release'; amount?: Money; reason: string }): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['admin']);
      const acting: Acting = { party: 'admin', by: auth };
      if (resolution.outcome === 'refund') {
        await refundOrder(tx, acting, order, ['disputed'], resolution.amount ?? money(Number(order.total), order.currency), resolution.reason);
      } else {
        await move(tx, acting, order, ['disputed'], 'completed', {}, resolution.reason);
        await tellParts(tx, acting, order, 'part.sold', { ledger: await release(tx, order) });
      }
      return view(tx, orderId);
    },

    /** The seller hands the parts to a carrier. */
    async ship(tx: Tx, auth: AuthContext, orderId: string, tracking: Tracking): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['seller']);
      const acting: Acting = { party: 'seller', by: auth };
      await move(tx, acting, order, ['paid'], 'shipped', { carrier: tracking.carrier, tracking_number: tracking.trackingNumber });
      await tellParts(tx, acting, order, 'part.shipped', { carrier: tracking.carrier, trackingNumber: tracking.trackingNumber });
      return view(tx, orderId);
    },

    /** The buyer says the parts arrived. */
    async confirmDelivery(tx: Tx, auth: AuthContext, orderId: string): Promise<SellerOrderView> {
      const { order } = await orderFor(tx, auth, orderId, ['buyer']);
      await deliver(tx, { party: 'buyer', by: auth }, order);
      return view(tx, orderId);
    },

    /** Before shipping, by its buyer or its seller: the escrow back to the buyer, the stock released. */
    async cancel(tx: Tx, auth: AuthContext, orderId: string, reason: string): Promise<SellerOrderView> {
      const { order, party } = await orderFor(tx, auth, orderId, ['buyer', 'seller']);
      await move(tx, { party: party as 'buyer' | 'seller', by: auth }, order, ['paid'], 'cancelled', {}, reason);
      await wallet.void(tx, order.hold_id);
      await parts.release(tx, auth, await linesOf(tx, order), order.id, `cancelled by the ${party}`);
      return view(tx, orderId);
    },
  };
}

export type OrderService = ReturnType<typeof createOrderService>;
