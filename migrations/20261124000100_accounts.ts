import type { Knex } from 'knex';

const tz = { useTz: true, precision: 3 };

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary();
    t.string('email', 254).notNullable().unique();
    t.string('password_hash', 255).notNullable();
    t.string('display_name', 80).notNullable();
    t.string('role', 16).notNullable().checkIn(['buyer', 'seller', 'admin'], 'users_role_check');
    t.string('status', 16).notNullable().defaultTo('active').checkIn(['active', 'suspended'], 'users_status_check');
    t.text('status_reason');
    // Access tokens issued before this instant are refused (suspension, password change).
    t.timestamp('tokens_not_before', tz);
    t.timestamp('created_at', tz).notNullable();
    t.timestamp('updated_at', tz).notNullable();
    t.index(['role', 'status'], 'users_role_status_idx');
  });

  await knex.schema.createTable('refresh_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    // Every token descending from one login shares a family, so reuse of a rotated token can revoke them all.
    t.uuid('family_id').notNullable();
    t.string('token_hash', 64).notNullable().unique();
    t.timestamp('expires_at', tz).notNullable();
    t.timestamp('used_at', tz);
    t.timestamp('revoked_at', tz);
    t.timestamp('created_at', tz).notNullable();
    t.index(['family_id'], 'refresh_tokens_family_idx');
    t.index(['user_id'], 'refresh_tokens_user_idx');
  });

  await knex.schema.createTable('login_throttles', (t) => {
    // sha256 of client address and email: the table never stores either in clear.
    t.string('key', 64).primary();
    t.integer('failures').notNullable();
    t.timestamp('window_started_at', tz).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_throttles');
  await knex.schema.dropTable('refresh_tokens');
  await knex.schema.dropTable('users');
}
