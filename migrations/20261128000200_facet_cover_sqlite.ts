import type { Knex } from 'knex';

/**
 * SQLite: the newest-first indexes of visible listings (all, and by category) carry the three
 * facet columns, so that counting the facets of the newest window (parts/search.ts) reads the
 * index alone instead of looking up 2,000 rows of a large table; under load, that look-up made a
 * faceted search the slowest of the benchmark's. PostgreSQL's covering index by id already holds
 * these columns (parts_filter_cover_idx).
 */
const COVERED = [
  { name: 'parts_listed_newest_idx', before: ['status', 'seller_listed', 'id'] },
  { name: 'parts_listed_category_idx', before: ['status', 'seller_listed', 'category', 'id'] },
];
const FACETS = ['category', 'condition', 'seller_type'];

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') return;
  for (const { name, before } of COVERED) {
    const columns = [...before, ...FACETS.filter((c) => !before.includes(c))];
    await knex.raw(`DROP INDEX ${name}`);
    await knex.raw(`CREATE INDEX ${name} ON parts (${columns.join(', ')})`);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') return;
  for (const { name, before } of COVERED) {
    await knex.raw(`DROP INDEX ${name}`);
    await knex.raw(`CREATE INDEX ${name} ON parts (${before.join(', ')})`);
  }
}
