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
const CHAIN_COLUMNS = ['subject_type', 'subject_id', 'seq', 'type', 'actor_json', 'occurred_at', 'payload_json', 'state_hash', 'prev_hash', 'hash'];
const MAX_PROBLEMS = 100;

type Progress = (done: number, total: number) => void;

export async function auditLog(db: Queryable, origin: string, progress: Progress = () => undefined): Promise<LogVerdict> {
  const problems: string[] = [];
  const report = (problem: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  const state = await treeState(db);
  const total = Number(((await db('trace_events').count({ n: '*' })) as { n: number | string }[])[0]?.n ?? 0);

  // Chains, event by event in chain order: numbers, hashes (from the stored bytes), links.
  let events = 0;
  let last: { type: string; id: string; seq: number; hash: string } | null = null;
  for (;;) {
    const query = db('trace_events').select(CHAIN_COLUMNS).orderBy([{ column: 'subject_type' }, { column: 'subject_id' }, { column: 'seq' }]).limit(PAGE);
    // A row-value comparison: both databases walk the chain index from there.
    if (last) query.whereRaw('(subject_type, subject_id, seq) > (?, ?, ?)', [last.type, last.id, last.seq]);
    const page = (await query) as (StoredEvent & { hash: string })[];
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
      last = { type: row.subject_type, id: row.subject_id, seq, hash: row.hash };
      events += 1;
    }
    progress(events, total);
  }

  // Leaves, in log order: events by log index beside the stored leaves, read side by side.
  let logged = 0;
  for (let from = 0; ; ) {
    const rows = (await db('trace_events').select('log_index', 'hash', 'subject_type', 'subject_id', 'seq').whereNotNull('log_index').where('log_index', '>=', from).orderBy('log_index').limit(PAGE)) as { log_index: number | string; hash: string; subject_type: string; subject_id: string; seq: number | string }[];
    if (rows.length === 0) break;
    const to = Number(rows[rows.length - 1]?.log_index);
    const nodes = (await db('trace_tree_nodes').select('idx', 'hash').where('level', 0).whereBetween('idx', [from, to])) as { idx: number | string; hash: Buffer }[];
    const leaves = new Map(nodes.map((n) => [Number(n.idx), Buffer.from(n.hash)]));
    for (const row of rows) {
      const index = Number(row.log_index);
      const where = `${row.subject_type} ${row.subject_id} event ${Number(row.seq)}`;
      if (index !== logged) report(`log index ${logged}${index > logged ? ` to ${index - 1}` : ''}: no event`);
      logged = index + 1;
      if (index >= state.size) report(`${where}: log index ${index} is beyond the tree (${state.size} leaves)`);
      else if (!leaves.get(index)?.equals(leafHash(Buffer.from(row.hash, 'hex')))) report(`${where}: the leaf at log index ${index} is not this event's`);
    }
    from = to + 1;
  }
  if (logged !== state.size) report(`the tree has ${state.size} leaves but events are logged up to index ${logged - 1}`);

  // Stored subtrees, level by level: each one the hash of its two children.
  for (let level = 1; 2 ** level <= state.size; level += 1) {
    let after = -1;
    for (;;) {
      const parents = (await db('trace_tree_nodes').select('idx', 'hash').where('level', level).where('idx', '>', after).orderBy('idx').limit(PAGE)) as { idx: number | string; hash: Buffer }[];
      if (parents.length === 0) break;
      const first = Number(parents[0]?.idx);
      const lastIdx = Number(parents[parents.length - 1]?.idx);
      const children = (await db('trace_tree_nodes')
        .select('idx', 'hash')
        .where('level', level - 1)
        .whereBetween('idx', [first * 2, lastIdx * 2 + 1])) as { idx: number | string; hash: Buffer }[];
      const child = new Map(children.map((c) => [Number(c.idx), Buffer.from(c.hash)]));
      for (const parent of parents) {
        const idx = Number(parent.idx);
        const left = child.get(idx * 2);
        const right = child.get(idx * 2 + 1);
        if (!left || !right || !nodeHash(left, right).equals(Buffer.from(parent.hash))) report(`stored subtree at level ${level}, index ${idx} is not the hash of its children`);
      }
      after = lastIdx;
    }
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
