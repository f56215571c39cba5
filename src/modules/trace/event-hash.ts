import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * How an event of a chain is hashed. Pure: the server, `npm run verify:log` and the offline
 * passport verifier all hash with this file, so an event hashes the same wherever it is checked.
 */

/** `prevHash` of a chain's first event: nothing came before it. */
export const GENESIS_HASH = '0'.repeat(64);

export type Actor = { type: 'user'; userId: string; role: 'buyer' | 'seller' | 'admin' } | { type: 'system' };

/** What a chain is about: a listing (`partId` in its events), or the log itself (its signing keys). */
export type Subject = { type: 'part'; id: string } | { type: 'log'; id: string };

/** An event without its own hash: every field the hash covers. */
export interface EventContent {
  subject: Subject;
  seq: number;
  type: string;
  actor: Actor;
  occurredAt: string;
  payload: Record<string, unknown>;
  stateHash: string;
  prevHash: string;
}

/** RFC 8785 (JCS) canonical JSON: one byte string per value, whatever the key order or the database. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('not a JSON value');
  return text;
}

export const sha256Hex = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** The subject's id under the name its events carry. */
const subjectField = (subject: Subject): Record<string, string> => (subject.type === 'part' ? { partId: subject.id } : { log: subject.id });

/** The document an event's hash is taken over, as its readers see it. */
export function hashedDocument(event: EventContent): Record<string, unknown> {
  const { subject, seq, type, actor, occurredAt, payload, stateHash, prevHash } = event;
  return { ...subjectField(subject), seq, type, actor, occurredAt, payload, stateHash, prevHash };
}

export const eventHash = (event: EventContent): string => sha256Hex(canonicalJson(hashedDocument(event)));

/** The hash of a subject's state (a listing's snapshot): what `stateHash` records and `verify` compares. */
export const stateHash = (state: unknown): string => sha256Hex(canonicalJson(state));
