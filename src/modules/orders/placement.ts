import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { isoNow, type Clock } from '../../clock';
import type { Config } from '../../config';
import type { Tx } from '../../db/tx';
import type { components } from '../../generated/api';
import type { AuthContext } from '../../http/auth';
import { money } from '../../money';
import type { PartService, ReservedPart } from '../parts/service';
import type { SellerService } from '../sellers/service';
import type { WalletService } from '../wallet/service';
import { priceOrder, type OrderAmounts } from './pricing';
import { orderViews, type OrderRow } from './views';

type CreateOrderRequest = components['schemas']['CreateOrderRequest'];
type OrderGroupView = components['schemas']['OrderGroup'];

/** The services a checkout uses: the parts module's stock, the sellers' fees, the wallet's escrow. */
export interface PlacementDeps {
  config: Config;
  clock: Clock;
  parts: PartService;
  sellers: SellerService;
  wallet: WalletService;
}

/**
 * A checkout in the caller's transaction (docs/orders.md): the stock of every listing reserved
 * (the parts module locks them in id order), the lines grouped by seller into one order each,
 * priced from the listings as read under the lock, each order's total held in escrow from the
 * buyer's wallet, the group, orders, lines and first transitions written. Anything refused
 * (stock, funds, a listing not orderable) throws, and the caller's transaction undoes it all.
 */
export async function placeOrder(tx: Tx, { config, clock, parts, sellers, wallet }: PlacementDeps, auth: AuthContext, input: CreateOrderRequest): Promise<OrderGroupView> {
  const now = isoNow(clock);
  const groupId = uuidv7();
  const orderIds = new Map<string, string>();
  const orderIdOf = (sellerId: string): string => orderIds.get(sellerId) ?? (orderIds.set(sellerId, uuidv7()).get(sellerId) as string);
  const reserved = await parts.reserve(tx, auth, input.lines, orderIdOf);

  const bySeller = new Map<string, ReservedPart[]>();
  for (const line of reserved) bySeller.set(line.sellerId, [...(bySeller.get(line.sellerId) ?? []), line]);
  // One after the other: a transaction's connection runs one statement at a time.
  const priced: { sellerId: string; lines: ReservedPart[]; amounts: OrderAmounts }[] = [];
  for (const [sellerId, lines] of bySeller) {
    const seller = await sellers.findProfile(tx, sellerId);
    priced.push({ sellerId, lines, amounts: priceOrder(lines, seller?.shippingFeeAmount ?? 0, config.orders.commissionBps, config.currency) });
  }
  const total = priced.reduce((sum, order) => sum + order.amounts.total, 0);
  await tx('order_groups').insert({ id: groupId, buyer_id: auth.userId, currency: config.currency, total, created_at: now });

  for (const { sellerId, lines, amounts } of priced.sort((a, b) => (orderIdOf(a.sellerId) < orderIdOf(b.sellerId) ? -1 : 1))) {
    const id = orderIdOf(sellerId);
    // The hold carries an opaque reference, never the order's id (the ledger knows no orders).
    const { hold } = await wallet.hold(tx, auth.userId, money(amounts.total, config.currency), `hold_${randomUUID()}`);
    await tx('orders').insert({
      id,
      group_id: groupId,
      buyer_id: auth.userId,
      seller_id: sellerId,
      status: 'paid',
      currency: config.currency,
      subtotal: amounts.subtotal,
      core_charges: amounts.coreCharges,
      shipping_fee: amounts.shippingFee,
      commission_bps: amounts.commissionBps,
      commission: amounts.commission,
      total: amounts.total,
      hold_id: hold.id,
      shipping_address_json: JSON.stringify(input.shippingAddress),
      note: input.note || null,
      version: 0,
      created_at: now,
      updated_at: now,
    });
    await tx('order_lines').insert(
      lines.map((line) => ({ id: uuidv7(), order_id: id, part_id: line.partId, title: line.title, currency: config.currency, unit_price: line.unitPrice, core_charge: line.coreCharge, quantity: line.quantity })),
    );
    await tx('order_transitions').insert({ id: uuidv7(), order_id: id, from_status: null, to_status: 'paid', actor_type: 'buyer', actor_id: auth.userId, reason: null, created_at: now });
  }
  const orders = await orderViews(tx, (await tx('orders').where({ group_id: groupId }).orderBy('id')) as OrderRow[]);
  return { id: groupId, buyerId: auth.userId, orders, total: money(total, config.currency), createdAt: now };
}
