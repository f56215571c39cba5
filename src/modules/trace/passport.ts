import { eventHash, GENESIS_HASH, stateHash, type EventContent } from './event-hash';
import { leafHash, verifyInclusion } from './merkle';
import { openCheckpoint, parseVerifierKey } from './signed-note';

/**
 * A part passport, and a wallet movement's proof, checked offline: no server, no database, only
 * this file's imports (node's crypto and the `canonicalize` package). `npx otomoto-verify` runs
 * them; they are also exported as functions. Each step that fails is named, so "where" a document
 * is wrong is part of the answer.
 */

export const PASSPORT_FORMAT = 'otomoto-passport/v1';

export type PassportStep = 'format' | 'key' | 'events' | 'snapshot' | 'checkpoint' | 'inclusion';

export class PassportError extends Error {
  constructor(
    readonly step: PassportStep,
    message: string,
  ) {
    super(message);
    this.name = 'PassportError';
  }
}

export interface PassportVerdict {
  partId: string;
  events: number;
  lastEventHash: string;
  origin: string;
  treeSize: number;
  keyId: string;
}

/** An event as a passport carries it: the hashed content with the listing's id, and its hash. */
type PassportEvent = Omit<EventContent, 'subject'> & { partId: string; hash: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const HEX = /^[0-9a-f]{64}$/;

function hexHash(value: unknown, step: PassportStep, what: string): Buffer {
  if (typeof value !== 'string' || !HEX.test(value)) throw new PassportError(step, `${what} is not a SHA-256 hash in hex`);
  return Buffer.from(value, 'hex');
}

/**
 * Exactly these fields: a passport carries nothing that no hash or signature covers, so a field
 * added, renamed or dropped anywhere is refused rather than ignored.
 */
function fields(value: unknown, names: readonly string[], step: PassportStep, what: string): Record<string, unknown> {
  if (!isObject(value)) throw new PassportError(step, `${what} is missing`);
  const keys = Object.keys(value).sort();
  if (keys.join() !== [...names].sort().join()) throw new PassportError(step, `${what} has the fields ${keys.join(', ')}, not ${[...names].join(', ')}`);
  return value;
}

const EVENT_FIELDS = ['partId', 'seq', 'type', 'actor', 'occurredAt', 'payload', 'stateHash', 'prevHash', 'hash'];

/** The passport's shape, checked before anything in it is used. */
function shapeOf(passport: unknown) {
  const top = fields(passport, ['format', 'partId', 'snapshot', 'events', 'checkpoint', 'inclusionProof', 'key'], 'format', 'the passport');
  if (top.format !== PASSPORT_FORMAT) throw new PassportError('format', `not a passport (format ${PASSPORT_FORMAT})`);
  if (typeof top.partId !== 'string') throw new PassportError('format', 'partId is not a string');
  if (!Array.isArray(top.events) || top.events.length === 0) throw new PassportError('events', 'there are no events');
  const events = top.events.map((e, i) => fields(e, EVENT_FIELDS, 'events', `event ${i + 1}`) as unknown as PassportEvent);
  const checkpoint = fields(top.checkpoint, ['origin', 'treeSize', 'rootHash', 'note'], 'checkpoint', 'the checkpoint');
  const proof = fields(top.inclusionProof, ['logIndex', 'treeSize', 'leafHash', 'hashes'], 'inclusion', 'the inclusion proof');
  if (!Array.isArray(proof.hashes)) throw new PassportError('inclusion', 'the proof hashes are missing');
  const key = fields(top.key, ['name', 'keyId', 'verifierKey'], 'key', 'the key');
  return { partId: top.partId, snapshot: top.snapshot, events, checkpoint, proof: proof as { logIndex: unknown; treeSize: unknown; leafHash: unknown; hashes: unknown[] }, key };
}

/**
 * Checks, in order: every event's hash and link (the history is whole and unaltered), the snapshot
 * against the last event's `stateHash`, the checkpoint's signature by `verifierKey` (a key the
 * caller trusts, not one the passport brings), and the proof that the last event is a leaf of the
 * signed tree. Throws a PassportError naming the first step that fails.
 */
export function verifyPassport(passport: unknown, verifierKey: string): PassportVerdict {
  const shape = shapeOf(passport);
  const key = trustedKey(verifierKey, shape.key);
  const { partId, snapshot, events, checkpoint, proof } = shape;

  let prevHash = GENESIS_HASH;
  for (const [i, event] of events.entries()) {
    const at = `event ${i + 1}`;
    if (event.partId !== partId) throw new PassportError('events', `${at} belongs to another listing`);
    if (event.seq !== i + 1) throw new PassportError('events', `${at} is numbered ${String(event.seq)} (an event is missing or out of place)`);
    if (event.prevHash !== prevHash) throw new PassportError('events', `${at} does not link to the event before it`);
    const { hash, partId: id, ...content } = event;
    let computed: string;
    try {
      computed = eventHash({ ...content, subject: { type: 'part', id } });
    } catch {
      throw new PassportError('events', `${at} is not JSON that can be hashed`);
    }
    if (computed !== hash) throw new PassportError('events', `${at}'s content does not give its hash`);
    prevHash = hash;
  }
  const last = events[events.length - 1] as PassportEvent;
  if (stateHash(snapshot) !== last.stateHash) throw new PassportError('snapshot', 'the snapshot is not the state the last event recorded');

  const opened = checkSignedInclusion(checkpoint, proof, last.hash, key, 'the last event');
  return { partId, events: events.length, lastEventHash: last.hash, origin: opened.origin, treeSize: opened.treeSize, keyId: key.keyId };
}

/**
 * The checkpoint's signature by the trusted key, and the proof that `eventHashHex` is a leaf of
 * the tree it signs. Shared by passports and movement proofs.
 */
function checkSignedInclusion(
  checkpoint: Record<string, unknown>,
  proof: { logIndex: unknown; treeSize: unknown; leafHash: unknown; hashes: unknown[] },
  eventHashHex: string,
  key: ReturnType<typeof parseVerifierKey>,
  which: string,
): ReturnType<typeof openCheckpoint> {
  let opened;
  try {
    opened = openCheckpoint(checkpoint.note as string, key);
  } catch (err) {
    throw new PassportError('checkpoint', (err as Error).message);
  }
  if (checkpoint.origin !== opened.origin || checkpoint.treeSize !== opened.treeSize || checkpoint.rootHash !== opened.root.toString('hex')) {
    throw new PassportError('checkpoint', 'the checkpoint fields differ from its signed note');
  }
  const { logIndex, treeSize, hashes } = proof;
  if (typeof logIndex !== 'number' || !Number.isSafeInteger(logIndex)) throw new PassportError('inclusion', 'the proof has no log index');
  if (treeSize !== opened.treeSize) throw new PassportError('inclusion', `the proof is for a tree of ${String(treeSize)} leaves, the checkpoint signs ${opened.treeSize}`);
  const leaf = leafHash(Buffer.from(eventHashHex, 'hex'));
  if (proof.leafHash !== leaf.toString('hex')) throw new PassportError('inclusion', `the proof's leaf is not ${which}`);
  const path = hashes.map((h, i) => hexHash(h, 'inclusion', `proof hash ${i + 1}`));
  if (!verifyInclusion(logIndex, opened.treeSize, leaf, path, opened.root)) throw new PassportError('inclusion', `the proof does not lead from ${which} to the signed root`);
  return opened;
}

/** The key a proof names, parsed, and checked to be the one the caller trusts. */
function trustedKey(verifierKey: string, named: Record<string, unknown>): ReturnType<typeof parseVerifierKey> {
  let key;
  try {
    key = parseVerifierKey(verifierKey);
  } catch (err) {
    throw new PassportError('key', (err as Error).message);
  }
  if (named.verifierKey !== key.text || named.name !== key.name || named.keyId !== key.keyId) throw new PassportError('key', 'the document names another key than the one given');
  return key;
}

export interface MovementVerdict {
  ledgerAccountId: string;
  transactionId: string;
  kind: string;
  amount: { amount: number; currency: string };
  eventHash: string;
  origin: string;
  treeSize: number;
  keyId: string;
}

const MOVEMENT_EVENT_FIELDS = ['ledgerAccountId', 'seq', 'type', 'actor', 'occurredAt', 'payload', 'stateHash', 'prevHash', 'hash', 'logIndex'];

/**
 * A wallet movement's proof (GET /api/v1/wallet/transactions/{id}/proof) checked offline: the
 * event's content gives its hash (so the amount, the kind and the accounts are the logged ones),
 * the checkpoint is signed by `verifierKey` (a key the caller trusts), and the event is a leaf of
 * the signed tree at its log index. Throws a PassportError naming the first step that fails.
 */
export function verifyMovementProof(document: unknown, verifierKey: string): MovementVerdict {
  const top = fields(document, ['event', 'checkpoint', 'inclusionProof', 'key'], 'format', 'the movement proof');
  const event = fields(top.event, MOVEMENT_EVENT_FIELDS, 'events', 'the event');
  const checkpoint = fields(top.checkpoint, ['origin', 'treeSize', 'rootHash', 'note'], 'checkpoint', 'the checkpoint');
  const proof = fields(top.inclusionProof, ['logIndex', 'treeSize', 'leafHash', 'hashes'], 'inclusion', 'the inclusion proof') as { logIndex: unknown; treeSize: unknown; leafHash: unknown; hashes: unknown };
  if (!Array.isArray(proof.hashes)) throw new PassportError('inclusion', 'the proof hashes are missing');
  const key = trustedKey(verifierKey, fields(top.key, ['name', 'keyId', 'verifierKey'], 'key', 'the key'));

  const { ledgerAccountId, hash, logIndex, ...content } = event;
  if (typeof ledgerAccountId !== 'string') throw new PassportError('events', 'the event names no ledger account');
  let computed: string;
  try {
    computed = eventHash({ ...(content as Omit<EventContent, 'subject'>), subject: { type: 'account', id: ledgerAccountId } });
  } catch {
    throw new PassportError('events', 'the event is not JSON that can be hashed');
  }
  if (computed !== hash) throw new PassportError('events', "the event's content does not give its hash");
  if (proof.logIndex !== logIndex) throw new PassportError('inclusion', 'the proof is for another place in the log than the event');
  const opened = checkSignedInclusion(checkpoint, { ...proof, hashes: proof.hashes }, computed, key, 'the event');
  const transaction = (content.payload as { transaction?: { id?: unknown; kind?: unknown; amount?: unknown } } | null)?.transaction;
  if (typeof transaction?.id !== 'string' || typeof transaction.kind !== 'string') throw new PassportError('events', 'the event records no ledger transaction');
  return {
    ledgerAccountId,
    transactionId: transaction.id,
    kind: transaction.kind,
    amount: transaction.amount as MovementVerdict['amount'],
    eventHash: computed,
    origin: opened.origin,
    treeSize: opened.treeSize,
    keyId: key.keyId,
  };
}
