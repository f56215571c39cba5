import type { Queryable } from '../../db/tx';
import type { components } from '../../generated/api';
import { money } from '../../money';

export type SellerOrderView = components['schemas']['SellerOrder'];
export type OrderStatus = components['schemas']['OrderStatus'];
export type ShippingAddress = components['schemas']['ShippingAddress'];
type Actor = components['schemas']['OrderTransition']['actor'];

/** The tables' rows (orders, order_lines, order_transitions), as the drivers give them. */
export interface OrderRow {
  id: string;
  group_id: string;
  buyer_id: string;
  seller_id: string;
  status: OrderStatus;
  currency: string;
  subtotal: number | string;
  core_charges: number | string;
  shipping_fee: number | string;
  commission_bps: number | string;
  commission: number | string;
  total: number | string;
  hold_id: string;
  shipping_address_json: string;
  note: string | null;
  carrier: string | null;
  tracking_number: string | null;
  return_reason: components['schemas']['ReturnReason'] | null;
  return_details: string | null;
  refunded: number | string | null;
  dispute_reason: string | null;
  core_return: 'sent' | 'received' | null;
  core_tracking_json: string | null;
  core_refunded: number | string | null;
  version: number | string;
  created_at: string | Date;
  updated_at: string | Date;
}

export interface LineRow {
  id: string;
  order_id: string;
  part_id: string;
  title: string;
  currency: string;
  unit_price: number | string;
  core_charge: number | string;
  quantity: number | string;
}

export interface ReviewRow {
  order_id: string;
  rating: number | string;
  comment: string | null;
  created_at: string | Date;
}

export interface TransitionRow {
  id: string;
  order_id: string;
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  actor_type: Actor['type'];
  actor_id: string | null;
  reason: string | null;
  created_at: string | Date;
}

const iso = (value: string | Date): string => new Date(value).toISOString();

function viewOf(order: OrderRow, lines: readonly LineRow[], transitions: readonly TransitionRow[], review: ReviewRow | undefined): SellerOrderView {
  const m = (amount: number | string) => money(Number(amount), order.currency);
  return {
    id: order.id,
    groupId: order.group_id,
    buyerId: order.buyer_id,
    sellerId: order.seller_id,
    status: order.status,
    lines: lines.map((line) => ({
      partId: line.part_id,
      title: line.title,
      quantity: Number(line.quantity),
      unitPrice: m(line.unit_price),
      coreCharge: m(line.core_charge),
      lineTotal: m(Number(line.unit_price) * Number(line.quantity)),
    })),
    subtotal: m(order.subtotal),
    coreCharges: m(order.core_charges),
    shippingFee: m(order.shipping_fee),
    commissionRate: Number(order.commission_bps),
    commission: m(order.commission),
    total: m(order.total),
    shippingAddress: JSON.parse(order.shipping_address_json) as ShippingAddress,
    note: order.note,
    tracking: order.carrier && order.tracking_number ? { carrier: order.carrier, trackingNumber: order.tracking_number } : null,
    return: order.return_reason ? { reason: order.return_reason, details: order.return_details } : null,
    dispute: order.dispute_reason ? { reason: order.dispute_reason } : null,
    coreReturn: order.core_return
      ? { status: order.core_return, tracking: JSON.parse(order.core_tracking_json as string) as components['schemas']['Tracking'], refunded: order.core_refunded === null ? null : m(order.core_refunded) }
      : null,
    review: review ? { rating: Number(review.rating), comment: review.comment, createdAt: iso(review.created_at) } : null,
    refunded: order.refunded === null ? null : m(order.refunded),
    history: transitions.map((t) => ({ from: t.from_status, to: t.to_status, at: iso(t.created_at), actor: { type: t.actor_type, id: t.actor_id }, reason: t.reason })),
    createdAt: iso(order.created_at),
    updatedAt: iso(order.updated_at),
  };
}

/** Orders as the API shows them, their lines and history read in one statement each for all of them. */
export async function orderViews(db: Queryable, orders: readonly OrderRow[]): Promise<SellerOrderView[]> {
  if (orders.length === 0) return [];
  const ids = orders.map((o) => o.id);
  const lines = (await db('order_lines').whereIn('order_id', ids).orderBy('id')) as LineRow[];
  const transitions = (await db('order_transitions').whereIn('order_id', ids).orderBy('id')) as TransitionRow[];
  const reviews = new Map(((await db('order_reviews').whereIn('order_id', ids)) as ReviewRow[]).map((r) => [r.order_id, r]));
  return orders.map((order) =>
    viewOf(
      order,
      lines.filter((l) => l.order_id === order.id),
      transitions.filter((t) => t.order_id === order.id),
      reviews.get(order.id),
    ),
  );
}
