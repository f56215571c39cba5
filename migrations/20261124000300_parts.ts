import type { Knex } from 'knex';

const tz = { useTz: true, precision: 3 };
const categories = ['engine', 'transmission', 'brakes', 'suspension_steering', 'electrical', 'lighting', 'body', 'interior', 'cooling', 'exhaust', 'fuel', 'filters', 'wheels_tires', 'other'];

export async function up(knex: Knex): Promise<void> {
  const postgres = knex.client.config.client === 'pg';

  await knex.schema.createTable('parts', (t) => {
    t.uuid('id').primary();
    t.uuid('seller_id').notNullable().references('id').inTable('seller_profiles');
    t.string('title', 140).notNullable();
    // The title's words, folded (lower case, no accents), space-separated: what relevance ranking reads.
    t.string('title_search', 200).notNullable();
    t.text('description').notNullable();
    t.string('category', 24).notNullable().checkIn(categories, 'parts_category_check');
    t.string('brand', 60).notNullable();
    t.string('origin', 16).notNullable().checkIn(['oem', 'aftermarket'], 'parts_origin_check');
    t.string('condition', 16).notNullable().checkIn(['new', 'used', 'refurbished'], 'parts_condition_check');
    t.string('grade', 1).checkIn(['A', 'B', 'C'], 'parts_grade_check');
    t.bigInteger('price_amount').notNullable();
    t.string('price_currency', 3).notNullable();
    t.bigInteger('core_charge_amount');
    t.string('core_charge_currency', 3);
    t.integer('quantity').notNullable();
    t.string('city', 80).notNullable();
    t.string('city_key', 80).notNullable();
    t.string('country', 2).notNullable();
    t.integer('warranty_months').notNullable();
    // Read-side copies (JSON) of what the search tables below index, so a listing is read in one row.
    t.text('part_numbers_json').notNullable();
    t.text('fitment_json').notNullable();
    t.text('images_json').notNullable();
    t.text('donor_vehicle_json');
    t.string('status', 16).notNullable().checkIn(['draft', 'active', 'withdrawn'], 'parts_status_check');
    // Denormalised from the seller (verified and account active; its type) so search filters one table.
    t.boolean('seller_listed').notNullable();
    t.string('seller_type', 24).notNullable();
    t.integer('version').notNullable();
    t.timestamp('created_at', tz).notNullable();
    t.timestamp('updated_at', tz).notNullable();
    t.check('quantity >= 0', [], 'parts_quantity_check');
    t.check('price_amount > 0', [], 'parts_price_check');
    if (!postgres) t.bigInteger('search_rowid').notNullable().unique();
    t.index(['seller_id', 'id'], 'parts_seller_idx');
    t.index(['status', 'seller_listed', 'id'], 'parts_listed_newest_idx');
    t.index(['status', 'seller_listed', 'price_amount', 'id'], 'parts_listed_price_idx');
    t.index(['status', 'seller_listed', 'category', 'id'], 'parts_listed_category_idx');
    // Facet counts read only this index, never the wide rows.
    t.index(['status', 'seller_listed', 'category', 'condition', 'seller_type'], 'parts_facets_idx');
    // SQLite: full-text hits join here by search_rowid and are filtered, faceted and ordered without touching the rows.
    if (!postgres) t.index(['search_rowid', 'status', 'seller_listed', 'category', 'condition', 'seller_type', 'id', 'title_search'], 'parts_search_cover_idx');
  });

  await knex.schema.createTable('part_numbers', (t) => {
    t.uuid('part_id').notNullable().references('id').inTable('parts').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('number', 40).notNullable();
    t.string('normalized', 40).notNullable();
    t.string('kind', 16).notNullable().checkIn(['oem', 'aftermarket', 'interchange'], 'part_numbers_kind_check');
    t.primary(['part_id', 'position']);
    t.index(['normalized', 'part_id'], 'part_numbers_normalized_idx');
  });

  await knex.schema.createTable('part_fitments', (t) => {
    t.uuid('part_id').notNullable().references('id').inTable('parts').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('make_key', 60).notNullable();
    t.string('model_key', 60).notNullable();
    t.string('make', 60).notNullable();
    t.string('model', 60).notNullable();
    t.integer('year_from').notNullable();
    t.integer('year_to').notNullable();
    t.primary(['part_id', 'position']);
    t.index(['make_key', 'model_key', 'year_from', 'year_to', 'part_id'], 'part_fitments_vehicle_idx');
  });

  await knex.schema.createTable('part_stock_movements', (t) => {
    t.uuid('id').primary();
    t.uuid('part_id').notNullable().references('id').inTable('parts').onDelete('CASCADE');
    t.integer('delta').notNullable();
    t.integer('quantity_after').notNullable();
    t.string('reason', 200).notNullable();
    t.uuid('actor_id').references('id').inTable('users');
    t.timestamp('created_at', tz).notNullable();
    t.index(['part_id', 'id'], 'part_stock_movements_part_idx');
  });

  // Full text: a tsvector with the title weighted A (PostgreSQL), an FTS5 table keyed by search_rowid (SQLite).
  if (postgres) {
    // Semi-joins from part numbers and fitments land here and are filtered without reading the rows.
    await knex.raw(
      'CREATE INDEX parts_filter_cover_idx ON parts (id) INCLUDE (status, seller_listed, category, condition, grade, origin, seller_type, price_amount, quantity, city_key)',
    );
    await knex.raw("ALTER TABLE parts ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector");
    await knex.raw('CREATE INDEX parts_search_idx ON parts USING GIN (search_vector)');
  } else {
    await knex.raw(
      // No phrase queries, so no positions (detail=column); prefix indexes up to 6 letters make the
      // last, possibly unfinished, query word as cheap as a whole one.
      "CREATE VIRTUAL TABLE parts_fts USING fts5(title, body, content='', contentless_delete=1, detail=column, tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6')",
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') await knex.raw('DROP TABLE parts_fts');
  await knex.schema.dropTable('part_stock_movements');
  await knex.schema.dropTable('part_fitments');
  await knex.schema.dropTable('part_numbers');
  await knex.schema.dropTable('parts');
}
