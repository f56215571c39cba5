import { dialectOf, type Db } from '../../db/knex';
import { withSqliteDriverTx, withTx } from '../../db/tx';
import { newPartRow, type NewPart } from './writer';
import { normalizePartNumber, searchDocument, vehicleKey } from './normalize';

export type BulkPart = NewPart;

/**
 * Inserts many listings of verified sellers in one transaction, writing exactly the rows the
 * service would (same columns, normalisation and search entries) without its per-listing checks.
 * For seeding and benchmarks only: callers pass valid, verified data. PostgreSQL: multi-row inserts
 * computing the tsvector in the statement.
 */
export async function insertPartsBulk(db: Db, parts: BulkPart[]): Promise<void> {
  if (parts.length === 0) return;
  if (dialectOf(db) === 'sqlite') return insertSqlite(db, parts);
  return insertPostgres(db, parts);
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

/** One INSERT … SELECT FROM unnest($1::type[], …) per table: a handful of parameters, however many rows. */
async function insertUnnest(client: PgClient, table: string, rows: Record<string, unknown>[], computed: Record<string, string> = {}, extra: string[] = []): Promise<void> {
  const columns = Object.keys(rows[0] as Record<string, unknown>).filter((c) => !extra.includes(c));
  const inputs = [...columns, ...extra];
  const arrays = inputs.map((c) => rows.map((r) => r[c] ?? null));
  const targets = [...columns, ...Object.keys(computed)];
  const values = [...columns.map((c) => `t.${c}`), ...Object.values(computed)];
  const sql = `INSERT INTO ${table} (${targets.join(', ')}) SELECT ${values.join(', ')} FROM unnest(${inputs.map((c, i) => `$${i + 1}::${PG_TYPES[c] ?? 'text'}[]`).join(', ')}) AS t(${inputs.join(', ')})`;
  await client.query(sql, arrays);
}

async function insertPostgres(db: Db, parts: BulkPart[]): Promise<void> {
  const client = (await db.client.acquireConnection()) as PgClient;
  try {
    await client.query('BEGIN');
    const partRows = parts.map((p) => {
      const { search_rowid: _unused, ...row } = partRow(p, 0);
      const doc = searchDocument({ title: p.input.title, description: p.input.description ?? '', brand: p.input.brand, partNumbers: p.input.partNumbers });
      return { ...row, doc_title: doc.title, doc_body: doc.body };
    });
    await insertUnnest(client, 'parts', partRows, {
      search_vector: "setweight(to_tsvector('simple', t.doc_title), 'A') || setweight(to_tsvector('simple', t.doc_body), 'B')",
    }, ['doc_title', 'doc_body']);
    const numbers = parts.flatMap((p) => p.input.partNumbers.map((n, position) => ({ part_id: p.id, position, number: n.number, normalized: normalizePartNumber(n.number), kind: n.kind })));
    if (numbers.length) await insertUnnest(client, 'part_numbers', numbers);
    const fitments = parts.flatMap((p) =>
      (p.input.fitment ?? []).map((f, position) => ({ part_id: p.id, position, make_key: vehicleKey(f.make), model_key: vehicleKey(f.model), make: f.make, model: f.model, year_from: f.yearFrom, year_to: f.yearTo })),
    );
    if (fitments.length) await insertUnnest(client, 'part_fitments', fitments);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    await db.client.releaseConnection(client);
  }
}

/**
 * SQLite: prepared statements on the driver's connection, one transaction per batch. Building
 * multi-row SQL through knex costs more than SQLite spends writing, at a million rows.
 */
async function insertSqlite(db: Db, parts: BulkPart[]): Promise<void> {
  await withSqliteDriverTx(db, (conn) => {
    const first = partRow(parts[0] as BulkPart, 0);
    const columns = Object.keys(first);
    const insertPart = conn.prepare(`INSERT INTO parts (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    const insertNumber = conn.prepare('INSERT INTO part_numbers (part_id, position, number, normalized, kind) VALUES (?, ?, ?, ?, ?)');
    const insertFitment = conn.prepare('INSERT INTO part_fitments (part_id, position, make_key, model_key, make, model, year_from, year_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const insertFts = conn.prepare('INSERT INTO parts_fts (rowid, title, body) VALUES (?, ?, ?)');
    let rowid = ((conn.prepare('SELECT MAX(search_rowid) AS max FROM parts').get() as { max: number | null }).max ?? 0) + 1;
    for (const p of parts) {
      const row = partRow(p, rowid);
      insertPart.run(...columns.map((c) => sqliteValue(row[c])));
      const doc = searchDocument({ title: p.input.title, description: p.input.description ?? '', brand: p.input.brand, partNumbers: p.input.partNumbers });
      insertFts.run(rowid, doc.title, doc.body);
      p.input.partNumbers.forEach((n, position) => insertNumber.run(p.id, position, n.number, normalizePartNumber(n.number), n.kind));
      (p.input.fitment ?? []).forEach((f, position) =>
        insertFitment.run(p.id, position, vehicleKey(f.make), vehicleKey(f.model), f.make, f.model, f.yearFrom, f.yearTo),
      );
      rowid += 1;
    }
  });
}

const sqliteValue = (value: unknown): unknown => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

const partRow = (p: BulkPart, searchRowid: number): Record<string, unknown> => ({ ...newPartRow(p), search_rowid: searchRowid });

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
