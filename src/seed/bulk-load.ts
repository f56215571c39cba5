import { dialectOf, type Db } from '../db/knex';
import { withTx } from '../db/tx';
import { systemClock } from '../clock';
import { createListingStore } from '../modules/parts/listing-store';
import { eventRecorder } from '../modules/trace/service';
import type { NewPart } from '../modules/parts/listing-rows';

export type { NewPart } from '../modules/parts/listing-rows';

/**
 * Listings of verified sellers for the demo and benchmark catalogues, written by the parts
 * module's listing store (the API's own writer) in one transaction per call: the same rows,
 * normalisation and search entries as a listing created through the API, without its per-listing
 * checks, and with the same `part.created` event in each listing's history (by the system: no
 * user wrote these). Callers pass valid, verified data.
 */
export async function insertListings(db: Db, listings: readonly NewPart[]): Promise<void> {
  const store = createListingStore(db, eventRecorder(systemClock));
  await withTx(db, (tx) => store.insert(tx, listings, { type: 'system' }));
}

const BULK_TABLES = ['parts', 'part_numbers', 'part_fitments'];

/**
 * For loads that dwarf what is already there (the million-listing benchmark catalogue):
 * PostgreSQL builds an index faster at once than row by row, so the secondary indexes are
 * dropped, the load runs, and they are rebuilt from their own saved definitions. SQLite loads
 * fast enough as it is.
 */
export async function withSecondaryIndexesDeferred<T>(db: Db, load: () => Promise<T>): Promise<T> {
  if (dialectOf(db) !== 'postgresql') return load();
  const indexes = (
    (await db.raw(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(?) AND indexname NOT LIKE '%_pkey'`,
      [BULK_TABLES],
    )) as { rows: { indexname: string; indexdef: string }[] }
  ).rows;
  for (const index of indexes) await db.raw(`DROP INDEX IF EXISTS ${index.indexname}`);
  try {
    return await load();
  } finally {
    await withTx(db, async (tx) => {
      await tx.raw("SET LOCAL maintenance_work_mem = '512MB'");
      for (const index of indexes) await tx.raw(index.indexdef);
    });
    // VACUUM sets the visibility map, without which PostgreSQL cannot answer from covering indexes alone.
    await db.raw(`VACUUM ANALYZE ${BULK_TABLES.join(', ')}`);
  }
}
