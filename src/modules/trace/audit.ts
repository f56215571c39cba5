import type { Queryable } from '../../db/tx';
import { canonicalEventText, GENESIS_HASH, sha256Hex, type StoredEvent } from './event-hash';
import { checkpointAt, verifierKeys } from './checkpoints';
import { rootAt, treeState } from './log';
import { leafHash, nodeHash } from './merkle';
import { openCheckpoint } from './signed-note';

/**
 * The whole log checked from the database alone: every chain (numbers, hashes, links), every
 * leaf against its event, every stored subtree against its two children, the tree's root, and
 * every checkpoint's signature and root. Read in pages, so the log's size bounds the time, not
 * the memory.
 */

export interface LogVerdict {
  valid: boolean;
  events: number;
  leaves: number;
  checkpoints: number;
  problems: string[];
}

const PAGE = 5000;
type NodeRow = { idx: number | string; hash: Buffer };
const CHAIN_COLUMNS = ['subject_type', 'subject_id', 'seq', 'type', 'actor_json', 'occurred_at', 'payload_json', 'state_hash', 'prev_hash', 'hash', 'log_index'];
const MAX_PROBLEMS = 100;

type Progress = (done: number, total: number) => void;

/** The stored subtrees of one level from `from` to `to` (excluded), by position: a hole where one is missing. */
async function storedRow(db: Queryable, level: number, from: number, to: number): Promise<(Buffer | undefined)[]> {
  const row: (Buffer | undefined)[] = new Array<Buffer | undefined>(to - from);
  for (const node of (await db('trace_tree_nodes').select('idx', 'hash').where('level', level).whereBetween('idx', [from, to - 1])) as NodeRow[]) row[Number(node.idx) - from] = node.hash;
  return row;
}

export async function auditLog(db: Queryable, origin: string, progress: Progress = () => undefined): Promise<LogVerdict> {
  const problems: string[] = [];
  const report = (problem: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  const state = await treeState(db);
  const total = Number(((await db('trace_events').count({ n: '*' })) as { n: number | string }[])[0]?.n ?? 0);

  // Chains, event by event in chain order: numbers, hashes (from the stored bytes), links. Each
  // logged event's hash is kept by its log index (32 bytes an event: 32 MB a million), so the
  // leaves are then checked by reading the tree alone, in order, not the events a second time.
  const byIndex = Buffer.alloc(state.size * 32);
  const seen = new Uint8Array(state.size);
  let events = 0;
  let last: { type: string; id: string; seq: number; hash: string } | null = null;
  for (;;) {
    const query = db('trace_events').select(CHAIN_COLUMNS).orderBy([{ column: 'subject_type' }, { column: 'subject_id' }, { column: 'seq' }]).limit(PAGE);
    // A row-value comparison: both databases walk the chain index from there.
    if (last) query.whereRaw('(subject_type, subject_id, seq) > (?, ?, ?)', [last.type, last.id, last.seq]);
    const page = (await query) as (StoredEvent & { hash: string; log_index: number | string | null })[];
    if (page.length === 0) break;
    for (const row of page) {
      const seq = Number(row.seq);
      const where = `${row.subject_type} ${row.subject_id} event ${seq}`;
      const sameChain: boolean = last !== null && last.type === row.subject_type && last.id === row.subject_id;
      const expectedSeq: number = sameChain ? (last as { seq: number }).seq + 1 : 1;
      if (seq !== expectedSeq) report(`${where}: expected event ${expectedSeq} (an event is missing or out of place)`);
      if (sha256Hex(canonicalEventText(row)) !== row.hash) report(`${where}: its content does not give its hash`);
      const prev = sameChain ? (last as { hash: string }).hash : GENESIS_HASH;
      if (seq === expectedSeq && row.prev_hash !== prev) report(`${where}: prevHash is not the previous event's hash`);
      if (row.log_index !== null) {
        const index = Number(row.log_index);
        if (index >= state.size) report(`${where}: log index ${index} is beyond the tree (${state.size} leaves)`);
        else if (seen[index]) report(`${where}: log index ${index} is another event's too`);
        else {
          seen[index] = 1;
          byIndex.write(row.hash, index * 32, 'hex');
        }
      }
      last = { type: row.subject_type, id: row.subject_id, seq, hash: row.hash };
      events += 1;
    }
    progress(events, total);
  }

  // Leaves, in log order: each the leaf hash of the event logged there. Then every level above,
  // computed from the one below (kept in memory: 32 bytes a node) and compared with what is
  // stored: each stored subtree is read once, in index order.
  let logged = 0;
  let below = Buffer.alloc(state.size * 32);
  for (let from = 0; from < state.size; from += PAGE) {
    const to = Math.min(state.size, from + PAGE);
    const leaves = await storedRow(db, 0, from, to);
    for (let index = from; index < to; index += 1) {
      const expected = seen[index] ? leafHash(byIndex.subarray(index * 32, index * 32 + 32)) : null;
      if (!expected) report(`log index ${index}: no event is logged there`);
      else logged += 1;
      const stored = leaves[index - from];
      if (!stored) report(`log index ${index}: no leaf is stored there`);
      else if (expected && !expected.equals(stored)) report(`log index ${index}: the stored leaf is not its event's`);
      (stored ?? expected ?? Buffer.alloc(32)).copy(below, index * 32);
    }
  }
  for (let level = 1, count = Math.floor(state.size / 2); count > 0; level += 1, count = Math.floor(count / 2)) {
    const computed = Buffer.alloc(count * 32);
    for (let i = 0; i < count; i += 1) nodeHash(below.subarray(i * 64, i * 64 + 32), below.subarray(i * 64 + 32, i * 64 + 64)).copy(computed, i * 32);
    for (let from = 0; from < count; from += PAGE) {
      const to = Math.min(count, from + PAGE);
      const nodes = await storedRow(db, level, from, to);
      for (let i = from; i < to; i += 1) {
        const stored = nodes[i - from];
        if (!stored || !computed.subarray(i * 32, i * 32 + 32).equals(stored)) report(`stored subtree at level ${level}, index ${i} is not the hash of its children`);
      }
    }
    below = computed;
  }
  try {
    if (!(await rootAt(db, state.size)).equals(state.root)) report(`the stored subtrees do not give the recorded root of ${state.size} leaves`);
  } catch (err) {
    report((err as Error).message);
  }

  // Checkpoints: each signed by a key the log announces, over the root the tree had at its size.
  const keys = await verifierKeys(db, origin);
  const sizes = ((await db('trace_checkpoints').select('tree_size', 'key_id').orderBy('tree_size')) as { tree_size: number | string; key_id: string }[]).map((r) => ({ size: Number(r.tree_size), keyId: r.key_id }));
  for (const { size, keyId } of sizes) {
    const checkpoint = await checkpointAt(db, origin, size);
    const key = keys.get(keyId);
    try {
      if (!checkpoint || !key) throw new Error(`signed by key ${keyId}, which the log does not announce`);
      const opened = openCheckpoint(checkpoint.note, key);
      if (opened.treeSize !== size || opened.origin !== origin) throw new Error('its note names another log or size');
      if (size > state.size) throw new Error(`the tree has only ${state.size} leaves (the log was cut)`);
      if (!(await rootAt(db, size)).equals(opened.root)) throw new Error('the tree no longer has the root it signed');
    } catch (err) {
      report(`checkpoint at ${size}: ${(err as Error).message}`);
    }
  }
  return { valid: problems.length === 0, events, leaves: logged, checkpoints: sizes.length, problems };
}
