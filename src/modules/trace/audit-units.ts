import { hash } from 'node:crypto';
import type { AuditReader, ChainKey, ChainRow, StoredRun } from './audit-reader';
import { canonicalEventText, GENESIS_HASH } from './event-hash';

/**
 * The log audit's two kinds of work unit, each independent of the others of its kind, so that any
 * number run at once on separate connections (audit-process.ts) or one after another in process:
 * - a chain unit checks the chains of a key range, event by event in chain order: numbers,
 *   hashes from the stored bytes, links; it hands back each logged event's hash and log index;
 * - a tree unit checks one aligned run of 2^k log indexes against those hashes: each stored leaf
 *   the leaf hash of the event logged there, each stored subtree within the run the hash of its
 *   two children; it returns the run's root for the levels above.
 * Every event's content is so tied to its leaf: content to hash in its chain unit, hash to leaf in
 * its tree unit, with no event read twice.
 */

/** Problems one unit reports at most: a broken log says enough in a hundred lines. */
export const MAX_PROBLEMS = 100;

export interface ChainUnitResult {
  events: number;
  problems: string[];
  /** Log indexes at or beyond the tree's size when the audit began: the audit decides, against the tree's size at its end, whether they are problems. */
  beyond: { index: number; where: string }[];
  /** The events logged within the tree: their log indexes, and their hashes end to end (32 bytes each). */
  logged: { indexes: Float64Array; hashes: Buffer };
}

function reporter(problems: string[]): (problem: string) => void {
  return (problem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
}

/** The stored bytes of the row as StoredEvent fields, for `canonicalEventText`. */
const textOf = (row: ChainRow): string =>
  canonicalEventText({ subject_type: row[0], subject_id: row[1], seq: row[2], type: row[3], actor_json: row[4], occurred_at: row[5], payload_json: row[6], state_hash: row[7], prev_hash: row[8] });

export async function checkChains(reader: AuditReader, from: ChainKey | null, to: ChainKey | null, treeSize: number): Promise<ChainUnitResult> {
  const problems: string[] = [];
  const report = reporter(problems);
  const beyond: ChainUnitResult['beyond'] = [];
  let events = 0;
  let last: { type: string; id: string; seq: number; hash: string } | null = null;
  // Each page's logged events as bytes at once: holding a million hash strings until the end
  // would cost more in garbage collection than reading them.
  const indexPages: Float64Array[] = [];
  const hashPages: Buffer[] = [];
  await reader.chains(from, to, (rows) => {
    const indexes = new Float64Array(rows.length);
    const hashes = Buffer.allocUnsafe(rows.length * 32);
    let logged = 0;
    for (const row of rows) {
      const [type, id, , , , , , , prevHash, eventHash, logIndex] = row;
      const seq = Number(row[2]);
      const where = `${type} ${id} event ${seq}`;
      const sameChain = last !== null && last.type === type && last.id === id;
      const expectedSeq = sameChain && last ? last.seq + 1 : 1;
      if (seq !== expectedSeq) report(`${where}: expected event ${expectedSeq} (an event is missing or out of place)`);
      // The hash is taken over the stored bytes themselves: a column edited behind the service,
      // even into an equivalent form, no longer gives it.
      if (hash('sha256', textOf(row), 'hex') !== eventHash) report(`${where}: its content does not give its hash`);
      const prev = sameChain && last ? last.hash : GENESIS_HASH;
      if (seq === expectedSeq && prevHash !== prev) report(`${where}: prevHash is not the previous event's hash`);
      if (logIndex !== null) {
        const index = Number(logIndex);
        if (index < treeSize) {
          indexes[logged] = index;
          hashes.write(eventHash, logged * 32, 'hex');
          logged += 1;
        } else if (beyond.length < MAX_PROBLEMS) beyond.push({ index, where });
      }
      last = { type, id, seq, hash: eventHash };
      events += 1;
    }
    indexPages.push(indexes.subarray(0, logged));
    hashPages.push(hashes.subarray(0, logged * 32));
  });
  const indexes = new Float64Array(indexPages.reduce((sum, page) => sum + page.length, 0));
  indexPages.reduce((at, page) => (indexes.set(page, at), at + page.length), 0);
  return { events, problems, beyond, logged: { indexes, hashes: Buffer.concat(hashPages) } };
}

export interface TreeUnitResult {
  problems: string[];
  /** Leaves of the run holding a logged event. */
  logged: number;
  /** The run's root (level `bits`), when the run is complete: where the levels above start. */
  root: Buffer | null;
}

const storedAt = (run: StoredRun, position: number): Buffer | undefined => ('whole' in run ? run.whole.subarray(position * 32, position * 32 + 32) : run.byPosition[position]);

/**
 * Leaves [first, first + 2^bits) ∩ [0, size), and every complete subtree within them up to level
 * `bits`: each stored hash compared with the one computed from below. Hashes are written straight
 * into one buffer per level (a digest as a Buffer of its own costs a third of the hash itself).
 */
/** The hashes of the events logged at a run of log indexes, and which indexes hold one, as the chain units found them. */
export interface LoggedRun {
  hashes: Buffer;
  seen: Uint8Array;
}

/**
 * Log indexes [first, first + 2^bits) ∩ [0, treeSize), and every complete subtree within them up
 * to level `bits`: each stored hash compared with the one computed from below. Digests are written
 * straight into one buffer per level (a Buffer of its own per digest costs more than the hash).
 */
export async function checkTreeRun(reader: AuditReader, first: number, bits: number, treeSize: number, events: LoggedRun): Promise<TreeUnitResult> {
  const problems: string[] = [];
  const report = reporter(problems);
  const end = Math.min(treeSize, first + 2 ** bits);
  const leaves = await reader.nodes(0, first, end);
  // The leaf hash of each logged event, then the stored leaves compared in place (no Buffer a leaf).
  let below = Buffer.alloc((end - first) * 32);
  const leafInput = Buffer.alloc(33);
  let logged = 0;
  for (let position = 0, at = 0; position < end - first; position += 1, at += 32) {
    if (!events.seen[position]) continue;
    logged += 1;
    events.hashes.copy(leafInput, 1, at, at + 32);
    below.write(hash('sha256', leafInput, 'base64'), at, 'base64');
  }
  const allLogged = logged === end - first;
  if (!allLogged || !('whole' in leaves) || !leaves.whole.equals(below)) {
    for (let position = 0, at = 0; position < end - first; position += 1, at += 32) {
      const stored = storedAt(leaves, position);
      if (!events.seen[position]) report(`log index ${first + position}: no event is logged there`);
      else if (stored && stored.compare(below, at, at + 32) !== 0) report(`log index ${first + position}: the stored leaf is not its event's`);
      if (!stored) report(`log index ${first + position}: no leaf is stored there`);
      // Above, the stored leaf counts: one wrong leaf is reported once, not at every level.
      else stored.copy(below, at);
    }
  }
  const nodeInput = Buffer.alloc(65, 1);
  for (let level = 1; level <= bits; level += 1) {
    const from = Math.ceil(first / 2 ** level);
    const to = Math.floor(end / 2 ** level);
    if (to <= from) return { problems, logged, root: null };
    const computed = Buffer.alloc((to - from) * 32);
    for (let i = 0; i < to - from; i += 1) {
      below.copy(nodeInput, 1, i * 64, i * 64 + 64);
      computed.write(hash('sha256', nodeInput, 'base64'), i * 32, 'base64');
    }
    const stored = await reader.nodes(level, from, to);
    if (!('whole' in stored) || !stored.whole.equals(computed)) {
      for (let i = from; i < to; i += 1) {
        const node = storedAt(stored, i - from);
        if (!node || node.compare(computed, (i - from) * 32, (i - from) * 32 + 32) !== 0) report(`stored subtree at level ${level}, index ${i} is not the hash of its children`);
      }
    }
    below = computed;
  }
  return { problems, logged, root: below.length === 32 ? below : null };
}
