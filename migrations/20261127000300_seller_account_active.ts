import type { Knex } from 'knex';

/**
 * Whether the seller's account is active, kept on the profile by the sellers module (it follows
 * the users module's accountStatusChanged events), so that the public seller directory no longer
 * joins the users module's table. Filled here from the accounts as they are.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('seller_profiles', (t) => {
    t.boolean('account_active').notNullable().defaultTo(true);
  });
  await knex.raw(`UPDATE seller_profiles SET account_active = (
    SELECT CASE WHEN users.status = 'active' THEN TRUE ELSE FALSE END FROM users WHERE users.id = seller_profiles.user_id)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('seller_profiles', (t) => {
    t.dropColumn('account_active');
  });
}
