import { dialectOf, type Db } from '../../db/knex';
import { withTx, type Queryable, type Tx } from '../../db/tx';
import { consistencyRanges, foldRange, Frontier, inclusionRanges, leafHash, rangeNodes, type Hash, type NodeRef, type Range } from './merkle';

/**
 * The Merkle log over every event's hash. Events are written with their change and given their
 * place in the log shortly after, in batches, by one sequencer at a time (as Certificate
 * Transparency logs and Tessera do): a write never waits on a global counter, and the log's order
 * is the order events were taken in. Every complete subtree is stored once, so any proof is read
 * from at most a few dozen stored hashes, however large the log.
 */

/** Any number the application's other advisory locks will not use: "OTOMOTO trace" on a phone keypad, roughly. */
const SEQUENCER_LOCK = 686_687_223;
const INSERT_CHUNK = 500;

export interface TreeState {
  size: number;
  root: Hash;
}

export async function treeState(db: Queryable): Promise<TreeState> {
  const row = (await db('trace_log_state').select('tree_size', 'root_hash').where({ id: 1 }).first()) as { tree_size: number | string; root_hash: string };
  return { size: Number(row.tree_size), root: Buffer.from(row.root_hash, 'hex') };
}

type NodeRow = { level: number; idx: number | string; hash: Buffer };

/** Stored subtree hashes by reference; throws when one the tree should hold is missing (a damaged log). */
export async function readNodes(db: Queryable, refs: readonly NodeRef[]): Promise<Hash[]> {
  if (refs.length === 0) return [];
  const unique = [...new Map(refs.map((r) => [`${r.level}/${r.index}`, r])).values()];
  const found = new Map<string, Hash>();
  // A few dozen at most, read by their keys in one statement: on PostgreSQL as arrays joined to the
  // primary key (one plan whatever the count), on SQLite as a list of row values.
  for (let i = 0; i < unique.length; i += 100) {
    const chunk = unique.slice(i, i + 100);
    const result =
      dialectOf(db) === 'postgresql'
        ? ((await db.raw('SELECT n.level, n.idx, n.hash FROM trace_tree_nodes AS n JOIN unnest(?::smallint[], ?::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx', [chunk.map((r) => r.level), chunk.map((r) => r.index)])) as { rows: NodeRow[] }).rows
        : ((await db.raw(`SELECT level, idx, hash FROM trace_tree_nodes WHERE (level, idx) IN (VALUES ${chunk.map(() => '(?, ?)').join(', ')})`, chunk.flatMap((r) => [r.level, r.index]))) as NodeRow[]);
    for (const row of result) found.set(`${row.level}/${Number(row.idx)}`, Buffer.from(row.hash));
  }
  return refs.map((ref) => {
    const hash = found.get(`${ref.level}/${ref.index}`);
    if (!hash) throw new Error(`the log has no stored subtree at level ${ref.level}, index ${ref.index}`);
    return hash;
  });
}

/** The stored leaves at these log indexes (those there are), for checking events against the tree. */
export async function leavesAt(db: Queryable, indexes: readonly number[]): Promise<Map<number, Hash>> {
  const leaves = new Map<number, Hash>();
  for (let i = 0; i < indexes.length; i += 500) {
    const rows = (await db('trace_tree_nodes').select('idx', 'hash').where('level', 0).whereIn('idx', indexes.slice(i, i + 500))) as NodeRow[];
    for (const row of rows) leaves.set(Number(row.idx), Buffer.from(row.hash));
  }
  return leaves;
}

/** The hashes of ranges of the tree, each folded from its stored subtrees. */
async function rangeHashes(db: Queryable, ranges: readonly Range[]): Promise<Hash[]> {
  const perRange = ranges.map(rangeNodes);
  const hashes = await readNodes(db, perRange.flat());
  let at = 0;
  return perRange.map((refs) => {
    const slice = hashes.slice(at, at + refs.length);
    at += refs.length;
    return foldRange(slice);
  });
}

export const rootAt = async (db: Queryable, size: number): Promise<Hash> => foldRange(await readNodes(db, rangeNodes({ start: 0, end: size })));

export async function inclusionProof(db: Queryable, index: number, size: number): Promise<{ leaf: Hash; hashes: Hash[] }> {
  // The leaf rides along as a range of its own: one read for the whole proof.
  const [leaf, ...hashes] = await rangeHashes(db, [{ start: index, end: index + 1 }, ...inclusionRanges(index, size)]);
  return { leaf: leaf as Hash, hashes };
}

export const consistencyProof = (db: Queryable, from: number, to: number): Promise<Hash[]> => rangeHashes(db, consistencyRanges(from, to));

/** Whether this transaction is the one sequencer: PostgreSQL's advisory lock, SQLite's write lock. */
async function becomeSequencer(tx: Tx, now: string): Promise<boolean> {
  if (dialectOf(tx) === 'postgresql') {
    const result = (await tx.raw('SELECT pg_try_advisory_xact_lock(?) AS got', [SEQUENCER_LOCK])) as { rows: { got: boolean }[] };
    if (!result.rows[0]?.got) return false;
  }
  // SQLite: the first write takes the database's one write lock before anything is read, so a
  // second sequencer waits here and then reads the tree this one left.
  await tx('trace_log_state').where({ id: 1 }).update({ updated_at: now });
  return true;
}

async function assignLogIndexes(tx: Tx, ids: readonly string[], first: number): Promise<void> {
  if (dialectOf(tx) === 'postgresql') {
    await tx.raw('UPDATE trace_events SET log_index = v.idx FROM (SELECT unnest(?::uuid[]) AS id, unnest(?::bigint[]) AS idx) AS v WHERE trace_events.id = v.id', [[...ids], ids.map((_, i) => first + i)]);
    return;
  }
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
    const chunk = ids.slice(i, i + INSERT_CHUNK);
    const cases = chunk.map(() => 'WHEN ? THEN ?').join(' ');
    const bindings = chunk.flatMap((id, j) => [id, first + i + j]);
    await tx.raw(`UPDATE trace_events SET log_index = CASE id ${cases} END WHERE id IN (${chunk.map(() => '?').join(', ')})`, [...bindings, ...chunk]);
  }
}

/**
 * One sequencing round: the events written since the last round (up to `batch`, oldest first)
 * become the next leaves; the subtrees they complete are stored, the tree's size and root move
 * on. Returns how many were added: 0 also when another sequencer holds the log.
 */
export async function integrate(db: Db, now: string, batch: number): Promise<{ added: number; state: TreeState }> {
  // Most rounds find nothing new: a read of the pending index says so without taking the write
  // lock (on SQLite a write every round would grow the WAL for nothing).
  if (!(await db('trace_events').select('id').whereNull('log_index').first())) return { added: 0, state: await treeState(db) };
  return withTx(db, async (tx) => {
    if (!(await becomeSequencer(tx, now))) return { added: 0, state: await treeState(tx) };
    const state = await treeState(tx);
    const pending = (await tx('trace_events').select('id', 'hash').whereNull('log_index').orderBy('id').limit(batch)) as { id: string; hash: string }[];
    if (pending.length === 0) return { added: 0, state };
    const frontier = new Frontier(state.size, await readNodes(tx, rangeNodes({ start: 0, end: state.size })));
    const nodes: { level: number; idx: number; hash: Buffer }[] = [];
    for (const event of pending) {
      for (const node of frontier.append(leafHash(Buffer.from(event.hash, 'hex')))) nodes.push({ level: node.level, idx: node.index, hash: node.hash });
    }
    for (let i = 0; i < nodes.length; i += INSERT_CHUNK) await tx('trace_tree_nodes').insert(nodes.slice(i, i + INSERT_CHUNK));
    await assignLogIndexes(
      tx,
      pending.map((e) => e.id),
      state.size,
    );
    const next = { size: frontier.size, root: frontier.root() };
    await tx('trace_log_state').where({ id: 1 }).update({ tree_size: next.size, root_hash: next.root.toString('hex'), updated_at: now });
    return { added: pending.length, state: next };
  });
}
