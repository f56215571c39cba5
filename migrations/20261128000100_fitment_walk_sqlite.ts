import type { Knex } from 'knex';

/**
 * SQLite too: the fitments of one make and model in listing-id order (PostgreSQL has had it since
 * 20261125000100). With the service serving on every core, a year-make-model search is measured
 * under load, where SQLite's plan (every fitment of the model read into a list, then each
 * listing looked up: 5 ms at a million listings) became the slowest of the benchmark's searches;
 * walking this index newest first stops after the page.
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') return;
  await knex.raw('CREATE INDEX part_fitments_model_walk_idx ON part_fitments (make_key, model_key, part_id, year_from, year_to)');
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') return;
  await knex.raw('DROP INDEX part_fitments_model_walk_idx');
}
