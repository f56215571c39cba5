import type { Knex } from 'knex';

/**
 * Orders (docs/orders.md): a buyer's checkout is an order group, split into one order per seller.
 *
 * - `order_groups`: the checkout: its buyer, currency and total (the sum of its orders').
 * - `orders`: one seller's part of it, with its amounts frozen at order time (subtotal, core
 *   charges, the seller's shipping fee, the commission rate in basis points and the commission it
 *   gave), its status, the escrow hold that pays for it (the wallet's, by id: the hold itself
 *   carries only an opaque reference), the shipping address, the tracking once shipped, and a
 *   return's reason and the amount refunded.
 * - `order_lines`: a listing bought, at its price and core charge of that moment.
 * - `order_transitions`: every change of status, when and by whom: the order's history.
 * - `order_reviews`: the buyer's rating of a completed order, one per order.
 */
const STATUSES = ['paid', 'shipped', 'delivered', 'completed', 'cancelled', 'return_requested', 'return_accepted', 'return_rejected', 'returned', 'refunded', 'disputed'];

export async function up(knex: Knex): Promise<void> {
  const tz = { useTz: true, precision: 3 };

  await knex.schema.createTable('order_groups', (t) => {
    t.uuid('id').primary();
    t.uuid('buyer_id').notNullable().references('users.id');
    t.string('currency', 3).notNullable();
    t.bigInteger('total').notNullable();
    t.timestamp('created_at', tz).notNullable();
    t.check('total > 0', [], 'order_groups_total');
    t.index(['buyer_id', 'id'], 'order_groups_buyer_idx');
  });

  await knex.schema.createTable('orders', (t) => {
    t.uuid('id').primary();
    t.uuid('group_id').notNullable().references('order_groups.id');
    t.uuid('buyer_id').notNullable().references('users.id');
    t.uuid('seller_id').notNullable().references('seller_profiles.id');
    t.string('status', 16).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('subtotal').notNullable();
    t.bigInteger('core_charges').notNullable();
    t.bigInteger('shipping_fee').notNullable();
    t.integer('commission_bps').notNullable();
    t.bigInteger('commission').notNullable();
    t.bigInteger('total').notNullable();
    t.uuid('hold_id').notNullable().references('ledger_holds.id');
    t.text('shipping_address_json').notNullable();
    t.string('note', 500);
    t.string('carrier', 100);
    t.string('tracking_number', 100);
    // A return: the buyer's reason and words; the amount refunded from escrow once settled.
    t.string('return_reason', 20);
    t.string('return_details', 500);
    t.bigInteger('refunded');
    // A dispute: the buyer's words (the admin's resolution is in the order's history).
    t.string('dispute_reason', 500);
    // The old parts sent back for their core charges: sent by the buyer, then received by the
    // seller; and the core charges refunded, once.
    t.string('core_return', 8);
    t.text('core_tracking_json');
    t.bigInteger('core_refunded');
    t.integer('version').notNullable().defaultTo(0);
    t.timestamp('created_at', tz).notNullable();
    t.timestamp('updated_at', tz).notNullable();
    t.check(`status IN (${STATUSES.map((s) => `'${s}'`).join(', ')})`, [], 'orders_status');
    t.check('subtotal > 0 AND core_charges >= 0 AND shipping_fee >= 0 AND commission >= 0 AND commission <= subtotal', [], 'orders_amounts');
    t.check('total = subtotal + core_charges + shipping_fee', [], 'orders_total');
    t.check('commission_bps >= 0 AND commission_bps <= 10000', [], 'orders_commission_rate');
    t.check("return_reason IS NULL OR return_reason IN ('defective', 'not_as_described', 'wrong_part', 'other')", [], 'orders_return_reason');
    t.check('refunded IS NULL OR (refunded > 0 AND refunded <= total)', [], 'orders_refunded');
    t.check("core_return IS NULL OR core_return IN ('sent', 'received')", [], 'orders_core_return');
    t.check('core_refunded IS NULL OR (core_refunded > 0 AND core_refunded = core_charges)', [], 'orders_core_refunded');
    t.unique(['hold_id'], { indexName: 'orders_hold_unique' });
    t.index(['group_id'], 'orders_group_idx');
    t.index(['buyer_id', 'id'], 'orders_buyer_idx');
    t.index(['seller_id', 'id'], 'orders_seller_idx');
    t.index(['status', 'updated_at'], 'orders_status_idx');
  });

  await knex.schema.createTable('order_lines', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.uuid('part_id').notNullable().references('parts.id');
    t.string('title', 200).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('unit_price').notNullable();
    t.bigInteger('core_charge').notNullable();
    t.integer('quantity').notNullable();
    t.check('unit_price > 0 AND core_charge >= 0 AND quantity > 0', [], 'order_lines_amounts');
    t.index(['order_id'], 'order_lines_order_idx');
    t.index(['part_id'], 'order_lines_part_idx');
  });

  await knex.schema.createTable('order_transitions', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.string('from_status', 16);
    t.string('to_status', 16).notNullable();
    t.string('actor_type', 8).notNullable();
    t.uuid('actor_id');
    t.string('reason', 500);
    t.timestamp('created_at', tz).notNullable();
    t.index(['order_id', 'id'], 'order_transitions_order_idx');
  });

  await knex.schema.createTable('order_reviews', (t) => {
    t.uuid('order_id').primary().references('orders.id');
    t.uuid('seller_id').notNullable().references('seller_profiles.id');
    t.uuid('buyer_id').notNullable().references('users.id');
    t.integer('rating').notNullable();
    t.string('comment', 1000);
    t.timestamp('created_at', tz).notNullable();
    t.check('rating BETWEEN 1 AND 5', [], 'order_reviews_rating');
    t.index(['seller_id', 'order_id'], 'order_reviews_seller_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['order_reviews', 'order_transitions', 'order_lines', 'orders', 'order_groups']) await knex.schema.dropTable(table);
}
