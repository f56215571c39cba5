import type { Knex } from 'knex';

/**
 * PostgreSQL: the fitments of one make and model in listing-id order, so that a year-make-model
 * search newest first walks them and stops after a page, instead of checking every listing that
 * fits a popular model (9,000 for a Dacia Logan of 2015 at a million listings) before sorting.
 * SQLite's plan for the same search reads its existing vehicle index fast enough (about 9 ms).
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('CREATE INDEX part_fitments_model_walk_idx ON part_fitments (make_key, model_key, part_id) INCLUDE (year_from, year_to)');
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('DROP INDEX part_fitments_model_walk_idx');
}
