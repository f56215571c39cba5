import type { Queryable, Tx } from '../../db/tx';
import { appendEvents, readChain } from './chain';
import { type Subject } from './event-hash';
import { treeState } from './log';
import { checkpointText, parseVerifierKey, signNote, type SignerKey, type VerifierKey } from './signed-note';

/**
 * Signed checkpoints and the keys that sign them. A key comes into use by an event of the log's
 * own chain (`log.key_added`), logged like any other: a rotation is in the log for everyone to
 * see, and a checkpoint signed by an earlier key still verifies with that key.
 */

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: string;
  note: string;
  createdAt: string;
}

export interface SigningKeyRecord {
  name: string;
  keyId: string;
  verifierKey: string;
  addedAt: string;
  current: boolean;
}

const KEY_ADDED = 'log.key_added';
const logSubject = (origin: string): Subject => ({ type: 'log', id: origin });

/** Every key that ever signed, oldest first, read from the log's own chain. */
export async function signingKeys(db: Queryable, origin: string): Promise<SigningKeyRecord[]> {
  const events = (await readChain(db, logSubject(origin))).filter((e) => e.type === KEY_ADDED);
  return events.map((event, i) => {
    const key = parseVerifierKey(String(event.payload.verifierKey));
    return { name: key.name, keyId: key.keyId, verifierKey: key.text, addedAt: event.occurredAt, current: i === events.length - 1 };
  });
}

/** Records `key` in the log when it is not the current key yet (the first start, or a rotation). */
async function recordKey(tx: Tx, origin: string, key: SignerKey, now: string): Promise<void> {
  const keys = await signingKeys(tx, origin);
  if (keys[keys.length - 1]?.verifierKey === key.text) return;
  const all = [...keys.map((k) => k.verifierKey), key.text];
  await appendEvents(tx, [{ subject: logSubject(origin), type: KEY_ADDED, actor: { type: 'system' }, payload: { verifierKey: key.text, previousKeyId: keys[keys.length - 1]?.keyId ?? null }, state: { keys: all } }], now);
}

interface CheckpointRow {
  tree_size: number | string;
  root_hash: string;
  note: string;
  created_at: string;
}

const checkpointOf = (origin: string, row: CheckpointRow): Checkpoint => ({ origin, treeSize: Number(row.tree_size), rootHash: row.root_hash, note: row.note, createdAt: row.created_at });

export async function checkpointAt(db: Queryable, origin: string, treeSize: number): Promise<Checkpoint | null> {
  const row = (await db('trace_checkpoints').where({ tree_size: treeSize }).first()) as CheckpointRow | undefined;
  return row ? checkpointOf(origin, row) : null;
}

export async function latestCheckpoint(db: Queryable, origin: string): Promise<Checkpoint | null> {
  return (await latestSigned(db, origin))?.checkpoint ?? null;
}

/** The latest checkpoint and the id of the key that signed it. */
export async function latestSigned(db: Queryable, origin: string): Promise<{ checkpoint: Checkpoint; keyId: string } | null> {
  const row = (await db('trace_checkpoints').orderBy('tree_size', 'desc').first()) as (CheckpointRow & { key_id: string }) | undefined;
  return row ? { checkpoint: checkpointOf(origin, row), keyId: row.key_id } : null;
}

/**
 * Signs the tree as the sequencer left it, once per size: a second call at the same size returns
 * the stored checkpoint. The key is recorded in the log first when it is new, in the same
 * transaction (so the checkpoint that follows a rotation is signed by a key the log announces).
 */
export async function signCheckpoint(tx: Tx, origin: string, key: SignerKey, now: string): Promise<Checkpoint> {
  await recordKey(tx, origin, key, now);
  const state = await treeState(tx);
  const existing = await checkpointAt(tx, origin, state.size);
  if (existing) return existing;
  const note = signNote(checkpointText(origin, state.size, state.root), key);
  const row = { tree_size: state.size, root_hash: state.root.toString('hex'), key_id: key.keyId, note, created_at: now };
  // Two workers signing the same size at once: one row stays, and both return it.
  await tx('trace_checkpoints').insert(row).onConflict('tree_size').ignore();
  return (await checkpointAt(tx, origin, state.size)) as Checkpoint;
}

/** The verifier key of each key id that signed, for checking stored checkpoints. */
export async function verifierKeys(db: Queryable, origin: string): Promise<Map<string, VerifierKey>> {
  return new Map((await signingKeys(db, origin)).map((k) => [k.keyId, parseVerifierKey(k.verifierKey)]));
}
