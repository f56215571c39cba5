import type { Knex } from 'knex';

/**
 * The traceability log (docs/traceability.md).
 *
 * - `trace_events`: every event of every chain (a listing's history; the log's own key changes),
 *   hashed and linked when written, in the writer's transaction. Never updated, except once by
 *   the sequencer to give it its `log_index`. Times are kept as the exact RFC 3339 strings that
 *   were hashed, so both databases give back the same bytes.
 * - `trace_tree_nodes`: every complete subtree of the Merkle tree over the events' hashes (level 0
 *   are the leaves), written once when complete: proofs are read from them, never recomputed.
 * - `trace_log_state`: one row, the size and root of the tree the sequencer has built; writing it
 *   first is what makes two sequencers on SQLite take turns.
 * - `trace_checkpoints`: signed checkpoints, one per tree size.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('trace_events', (t) => {
    t.uuid('id').primary();
    t.string('subject_type', 16).notNullable();
    t.string('subject_id', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('type', 40).notNullable();
    t.text('actor_json').notNullable();
    t.string('occurred_at', 24).notNullable();
    t.text('payload_json').notNullable();
    t.string('state_hash', 64).notNullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.bigInteger('log_index').unique({ indexName: 'trace_events_log_index_unique' });
    // Two writers can never give one chain two events with the same number: a fork fails instead.
    t.unique(['subject_type', 'subject_id', 'seq'], { indexName: 'trace_events_chain_unique' });
  });
  // What the sequencer has still to take in, in the order events were written.
  await knex.raw('CREATE INDEX trace_events_pending_idx ON trace_events (id) WHERE log_index IS NULL');

  if (knex.client.config.client === 'pg') {
    await knex.schema.createTable('trace_tree_nodes', (t) => {
      t.smallint('level').notNullable();
      t.bigInteger('idx').notNullable();
      t.binary('hash').notNullable();
      t.primary(['level', 'idx']);
    });
  } else {
    // Stored in key order (no rowid): a proof or an audit reads a node with one b-tree descent,
    // not an index lookup and then the row.
    await knex.raw('CREATE TABLE trace_tree_nodes (level smallint NOT NULL, idx bigint NOT NULL, hash blob NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID');
  }

  await knex.schema.createTable('trace_log_state', (t) => {
    t.integer('id').primary();
    t.bigInteger('tree_size').notNullable();
    t.string('root_hash', 64).notNullable();
    t.string('updated_at', 24).notNullable();
  });
  await knex('trace_log_state').insert({
    id: 1,
    tree_size: 0,
    // SHA-256 of nothing: the root of the empty tree (RFC 9162).
    root_hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    updated_at: new Date().toISOString(),
  });

  await knex.schema.createTable('trace_checkpoints', (t) => {
    t.bigInteger('tree_size').primary();
    t.string('root_hash', 64).notNullable();
    t.string('key_id', 8).notNullable();
    t.text('note').notNullable();
    t.string('created_at', 24).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('trace_checkpoints');
  await knex.schema.dropTable('trace_log_state');
  await knex.schema.dropTable('trace_tree_nodes');
  await knex.schema.dropTable('trace_events');
}
