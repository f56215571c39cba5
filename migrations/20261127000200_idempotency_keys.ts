import type { Knex } from 'knex';

/**
 * One row per (caller, Idempotency-Key): claimed before the request runs (`in_flight`), then,
 * in the same transaction as the request's effect, the answer to replay (`done`). See
 * docs/idempotency.md.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('user_id', 36).notNullable();
    t.string('key', 255).notNullable();
    t.string('operation_id', 64).notNullable();
    t.string('fingerprint', 64).notNullable();
    t.enu('state', ['in_flight', 'done']).notNullable();
    t.integer('response_status');
    t.text('response_headers_json');
    t.text('response_body_json');
    // Epoch milliseconds: compared with the clock, never displayed.
    t.bigInteger('locked_until').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.primary(['user_id', 'key']);
    t.index(['expires_at'], 'idempotency_keys_expiry_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
}
