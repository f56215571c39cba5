import type { Knex } from 'knex';

const tz = { useTz: true, precision: 3 };
const sellerTypes = ['dealer', 'oem_supplier', 'importer', 'wholesaler', 'semi_wholesaler', 'retailer', 'scrapyard', 'individual'];
const statuses = ['pending', 'verified', 'rejected', 'suspended'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('seller_profiles', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().unique().references('id').inTable('users').onDelete('CASCADE');
    t.string('legal_name', 120).notNullable();
    t.string('seller_type', 24).notNullable().checkIn(sellerTypes, 'seller_profiles_type_check');
    t.string('registration_number', 40);
    t.string('city', 80).notNullable();
    t.string('city_key', 80).notNullable();
    t.string('country', 2).notNullable();
    t.string('phone', 16).notNullable();
    t.bigInteger('shipping_fee_amount').notNullable();
    t.string('shipping_fee_currency', 3).notNullable();
    t.string('status', 16).notNullable().checkIn(statuses, 'seller_profiles_status_check');
    t.timestamp('verified_at', tz);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', tz).notNullable();
    t.timestamp('updated_at', tz).notNullable();
    t.index(['status', 'seller_type', 'city_key'], 'seller_profiles_directory_idx');
    t.check("seller_type = 'individual' OR registration_number IS NOT NULL", [], 'seller_profiles_registration_check');
  });
  await knex.schema.createTable('seller_status_events', (t) => {
    t.uuid('id').primary();
    t.uuid('seller_id').notNullable().references('id').inTable('seller_profiles').onDelete('CASCADE');
    t.string('from_status', 16).notNullable();
    t.string('to_status', 16).notNullable();
    t.text('reason').notNullable();
    t.uuid('actor_id').references('id').inTable('users');
    t.timestamp('created_at', tz).notNullable();
    t.index(['seller_id', 'created_at'], 'seller_status_events_seller_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('seller_status_events');
  await knex.schema.dropTable('seller_profiles');
}
