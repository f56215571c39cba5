import type { Knex } from 'knex';

/**
 * A listing shows its seller's name, type and city. The parts module keeps them on its own rows,
 * as it already kept the seller's type and standing, instead of reading the sellers module's
 * table on every read: the sellers module publishes every change (sellerStandingChanged) and the
 * parts module applies it in the same transaction. Filled here from the profiles as they are.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('parts', (t) => {
    t.string('seller_legal_name', 120).notNullable().defaultTo('');
    t.string('seller_city', 80).notNullable().defaultTo('');
  });
  await knex.raw(`UPDATE parts SET
    seller_legal_name = (SELECT legal_name FROM seller_profiles WHERE seller_profiles.id = parts.seller_id),
    seller_city = (SELECT city FROM seller_profiles WHERE seller_profiles.id = parts.seller_id)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('parts', (t) => {
    t.dropColumn('seller_legal_name');
    t.dropColumn('seller_city');
  });
}
