import { dialectOf, type Db } from '../../db/knex';
import type { Tx } from '../../db/tx';
import type { Actor, NewEvent } from '../trace/service';
import { partEvent, snapshotOfRow } from './history';
import { childRows, listingRows, newPartRow, searchDocumentOf, type ListingRows, type NewPart } from './listing-rows';
import type { PartInput } from './rules';

/**
 * The one writer of what a listing is made of: its `parts` row, its part numbers, its vehicle
 * fitments and its search entry. The API's creations and edits and the bulk loader (the demo and
 * benchmark catalogues) all write through it, in the caller's transaction, so a listing is stored
 * the same way whoever writes it, and traceability will have a single place to append its events.
 *
 * The rows are built by `listingRows` (plain column maps) rather than by Objection models: a load
 * of a million listings writes them with a handful of multi-row statements (PostgreSQL `unnest`,
 * SQLite prepared statements on the driver), which a model per row would make several times
 * slower. Reads go through the `Part` model. Every listing it creates gets its first event here, in
 * the same transaction, whoever creates it: the API, the demo seed or the million-listing load.
 */
export interface ListingStore {
  /** New listings with their numbers, fitments and search entries, and each one's `part.created` event. */
  insert(tx: Tx, listings: readonly NewPart[], actor: Actor): Promise<void>;
  /** A listing's numbers, fitments and search entry, after its content changed (the row itself is the caller's). */
  replaceDerived(tx: Tx, partId: string, input: PartInput): Promise<void>;
}

/** Appends events to the listings' histories, in the writer's transaction (the trace service's `appendMany`). */
export type RecordEvents = (tx: Tx, events: readonly NewEvent[]) => Promise<unknown>;

interface RowWriter {
  insert(tx: Tx, listings: readonly NewPart[]): Promise<void>;
  replaceDerived(tx: Tx, partId: string, input: PartInput): Promise<void>;
}

export function createListingStore(db: Db, record: RecordEvents): ListingStore {
  const rows: RowWriter = dialectOf(db) === 'postgresql' ? postgresStore() : sqliteStore();
  return {
    async insert(tx, listings, actor) {
      await rows.insert(tx, listings);
      // The listing's first event holds what was written, and the state it hashes is that same
      // snapshot: the row as it will read back.
      await record(
        tx,
        listings.map((listing) => {
          const snapshot = snapshotOfRow(newPartRow(listing));
          return { ...partEvent(listing.id, 'part.created', actor, { listing: snapshot }, snapshot), opens: true };
        }),
      );
    },
    replaceDerived: (tx, partId, input) => rows.replaceDerived(tx, partId, input),
  };
}

async function replaceChildren(tx: Tx, partId: string, rows: Pick<ListingRows, 'numbers' | 'fitments'>): Promise<void> {
  await tx('part_numbers').where({ part_id: partId }).delete();
  await tx('part_fitments').where({ part_id: partId }).delete();
  if (rows.numbers.length) await tx('part_numbers').insert(rows.numbers);
  if (rows.fitments.length) await tx('part_fitments').insert(rows.fitments);
}

interface SqliteDriver {
  prepare(sql: string): { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown };
}

const sqliteValue = (value: unknown): unknown => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

/** SQLite: statements run on the driver's connection, which is the transaction's (knex hands it out). */
function sqliteStore(): RowWriter {
  const insertAll = (conn: SqliteDriver, table: string, rows: readonly Record<string, unknown>[]) => {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0] as Record<string, unknown>);
    const statement = conn.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const row of rows) statement.run(...columns.map((c) => sqliteValue(row[c])));
  };
  return {
    async insert(tx, listings) {
      if (listings.length === 0) return;
      const conn = (await tx.client.acquireConnection()) as SqliteDriver;
      // One writer at a time in SQLite: max + 1 inside the write transaction cannot collide.
      let rowid = ((conn.prepare('SELECT MAX(search_rowid) AS max FROM parts').get() as { max: number | null }).max ?? 0) + 1;
      const parts: Record<string, unknown>[] = [];
      const documents: Record<string, unknown>[] = [];
      const all = listings.map((listing) => listingRows(listing));
      for (const rows of all) {
        parts.push({ ...rows.part, search_rowid: rowid });
        documents.push({ rowid, title: rows.document.title, body: rows.document.body });
        rowid += 1;
      }
      insertAll(conn, 'parts', parts);
      insertAll(conn, 'parts_fts', documents);
      insertAll(conn, 'part_numbers', all.flatMap((rows) => rows.numbers));
      insertAll(conn, 'part_fitments', all.flatMap((rows) => rows.fitments));
    },
    async replaceDerived(tx, partId, input) {
      await replaceChildren(tx, partId, childRows(partId, input));
      const { search_rowid: rowid } = (await tx('parts').select('search_rowid').where({ id: partId }).first()) as { search_rowid: number };
      const document = searchDocumentOf(input);
      await tx.raw('DELETE FROM parts_fts WHERE rowid = ?', [rowid]);
      await tx.raw('INSERT INTO parts_fts(rowid, title, body) VALUES (?, ?, ?)', [rowid, document.title, document.body]);
    },
  };
}

/** PostgreSQL type of each column, for the unnest() casts below. */
const PG_TYPES: Record<string, string> = {
  id: 'uuid',
  seller_id: 'uuid',
  part_id: 'uuid',
  price_amount: 'bigint',
  core_charge_amount: 'bigint',
  quantity: 'int',
  warranty_months: 'int',
  version: 'int',
  seller_listed: 'boolean',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  position: 'int',
  year_from: 'int',
  year_to: 'int',
};

interface PgClient {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The weighted tsvector of a listing: its title weighs A, the rest B. */
const searchVector = (title: string, body: string): string => `setweight(to_tsvector('simple', ${title}), 'A') || setweight(to_tsvector('simple', ${body}), 'B')`;

/** One INSERT … SELECT FROM unnest($1::type[], …) per table: a handful of parameters, however many rows. */
async function insertUnnest(client: PgClient, table: string, rows: Record<string, unknown>[], computed: Record<string, string> = {}, inputsOnly: string[] = []): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as Record<string, unknown>).filter((c) => !inputsOnly.includes(c));
  const inputs = [...columns, ...inputsOnly];
  const arrays = inputs.map((c) => rows.map((r) => r[c] ?? null));
  const targets = [...columns, ...Object.keys(computed)];
  const values = [...columns.map((c) => `t.${c}`), ...Object.values(computed)];
  const sql = `INSERT INTO ${table} (${targets.join(', ')}) SELECT ${values.join(', ')} FROM unnest(${inputs.map((c, i) => `$${i + 1}::${PG_TYPES[c] ?? 'text'}[]`).join(', ')}) AS t(${inputs.join(', ')})`;
  await client.query(sql, arrays);
}

/** PostgreSQL: multi-row statements on the transaction's connection, the tsvector computed in SQL. */
function postgresStore(): RowWriter {
  return {
    async insert(tx, listings) {
      if (listings.length === 0) return;
      const client = (await tx.client.acquireConnection()) as PgClient;
      const all = listings.map((listing) => listingRows(listing));
      await insertUnnest(client, 'parts', all.map((rows) => ({ ...rows.part, doc_title: rows.document.title, doc_body: rows.document.body })), { search_vector: searchVector('t.doc_title', 't.doc_body') }, ['doc_title', 'doc_body']);
      await insertUnnest(client, 'part_numbers', all.flatMap((rows) => rows.numbers));
      await insertUnnest(client, 'part_fitments', all.flatMap((rows) => rows.fitments));
    },
    async replaceDerived(tx, partId, input) {
      await replaceChildren(tx, partId, childRows(partId, input));
      const document = searchDocumentOf(input);
      await tx('parts')
        .where({ id: partId })
        .update({ search_vector: tx.raw(searchVector('?', '?'), [document.title, document.body]) });
    },
  };
}
