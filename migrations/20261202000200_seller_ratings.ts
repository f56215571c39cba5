import type { Knex } from 'knex';

/**
 * What buyers gave a seller's completed orders, kept on the profile by the sellers module (the
 * orders module reports each review through the sellers service), so that the directory and the
 * comparator show an average without reading the orders' tables.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('seller_profiles', (t) => {
    t.integer('rating_count').notNullable().defaultTo(0);
    t.bigInteger('rating_total').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('seller_profiles', (t) => {
    t.dropColumn('rating_count');
    t.dropColumn('rating_total');
  });
}
