import type { Knex } from 'knex';

/**
 * Exact revocation and throttles that hold under concurrency:
 * - a token generation per user, carried by every access and refresh token: bumping it revokes
 *   them all at once, whatever second they were issued in (replaces `tokens_not_before`);
 * - one table of fixed-window counters for every rate limit (login per address and email, login
 *   and registration per address), incremented atomically before the work they guard.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('token_generation').notNullable().defaultTo(0);
  });
  await knex.raw('ALTER TABLE users DROP COLUMN tokens_not_before');
  await knex.schema.alterTable('refresh_tokens', (t) => {
    t.integer('generation').notNullable().defaultTo(0);
  });
  await knex.schema.dropTable('login_throttles');
  await knex.schema.createTable('rate_limits', (t) => {
    // sha256 of what is counted (the limit's name, the client address, the email): never stored in clear.
    t.string('key', 64).primary();
    t.integer('hits').notNullable();
    // Epoch milliseconds: one integer comparison on both databases.
    t.bigInteger('window_ends_at').notNullable();
    t.index(['window_ends_at'], 'rate_limits_window_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
  await knex.schema.createTable('login_throttles', (t) => {
    t.string('key', 64).primary();
    t.integer('failures').notNullable();
    t.timestamp('window_started_at', { useTz: true, precision: 3 }).notNullable();
  });
  await knex.schema.alterTable('refresh_tokens', (t) => {
    t.dropColumn('generation');
  });
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('tokens_not_before', { useTz: true, precision: 3 });
  });
  await knex.raw('ALTER TABLE users DROP COLUMN token_generation');
}
