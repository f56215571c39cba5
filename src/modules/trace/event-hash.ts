import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * How an event of a chain is hashed. Pure: the server, `npm run verify:log` and the offline
 * passport verifier all hash with this file, so an event hashes the same wherever it is checked.
 */

/** `prevHash` of a chain's first event: nothing came before it. */
export const GENESIS_HASH = '0'.repeat(64);

export type Actor = { type: 'user'; userId: string; role: 'buyer' | 'seller' | 'admin' } | { type: 'system' };

/**
 * What a chain is about: a listing (`partId` in its events), an OtoPay ledger account
 * (`ledgerAccountId`: its movements), or the log itself (`log`: its signing keys).
 */
export type Subject = { type: 'part'; id: string } | { type: 'account'; id: string } | { type: 'log'; id: string };

/** The name a subject's id has in its events' hashed document. */
const SUBJECT_FIELDS: Record<Subject['type'], string> = { part: 'partId', account: 'ledgerAccountId', log: 'log' };

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

/** SHA-256 in hex; the one-shot `crypto.hash` costs half of a createHash() object for one input. */
export const sha256Hex = (text: string | Buffer): string => hash('sha256', text, 'hex');

/** The subject's id under the name its events carry. */
const subjectField = (subject: Subject): Record<string, string> => ({ [SUBJECT_FIELDS[subject.type]]: subject.id });

/** The document an event's hash is taken over, as its readers see it. */
export function hashedDocument(event: EventContent): Record<string, unknown> {
  const { subject, seq, type, actor, occurredAt, payload, stateHash, prevHash } = event;
  return { ...subjectField(subject), seq, type, actor, occurredAt, payload, stateHash, prevHash };
}

export const eventHash = (event: EventContent): string => sha256Hex(canonicalJson(hashedDocument(event)));

/** An event as stored: its actor and payload kept as their canonical JSON (appendEvents writes them so). */
export interface StoredEvent {
  subject_type: string;
  subject_id: string;
  seq: number | string;
  type: string;
  actor_json: string;
  occurred_at: string;
  payload_json: string;
  state_hash: string;
  prev_hash: string;
}

/**
 * The canonical text an event's hash is taken over, assembled from its stored columns: the actor
 * and payload as stored, the other fields serialised as JCS serialises them (a string as
 * JSON.stringify writes it, an integer in decimal), the keys in JCS order. The same bytes as
 * `canonicalJson(hashedDocument(event))` without parsing and re-serialising anything, which is
 * what lets the log audit hash a million events in seconds. A column edited behind the service,
 * even into an equivalent but not canonical form, no longer gives the hash.
 */
export function canonicalEventText(row: StoredEvent): string {
  const fields = [
    row.actor_json,
    JSON.stringify(row.subject_id),
    JSON.stringify(row.occurred_at),
    row.payload_json,
    JSON.stringify(row.prev_hash),
    String(Number(row.seq)),
    JSON.stringify(row.state_hash),
    JSON.stringify(row.type),
  ];
  return templateOf(row.subject_type)(fields);
}

type Template = (fields: readonly string[]) => string;
const templates = new Map<string, Template>();

/**
 * The document's members in JCS order (keys sorted by UTF-16 code units, as `sort` compares
 * strings), worked out once per subject type: where the subject's id falls among the other
 * keys depends on its name. An unknown subject type has no name: its events cannot be hashed.
 */
function templateOf(subjectType: string): Template {
  let template = templates.get(subjectType);
  if (!template) {
    const subjectKey = SUBJECT_FIELDS[subjectType as Subject['type']];
    if (subjectKey === undefined) throw new TypeError(`no chain has subjects of type ${JSON.stringify(subjectType)}`);
    const keys = ['actor', subjectKey, 'occurredAt', 'payload', 'prevHash', 'seq', 'stateHash', 'type'];
    const order = keys.map((key, i) => ({ key, i })).sort((a, b) => (a.key < b.key ? -1 : 1));
    // Compiled once, from constant key names: the log audit assembles a million of these.
    const body = order.map(({ key, i }, n) => `${JSON.stringify(`${n === 0 ? '{' : ','}"${key}":`)} + f[${i}]`).join(' + ');
    template = new Function('f', `return ${body} + "}";`) as Template;
    templates.set(subjectType, template);
  }
  return template;
}

/** The hash of a subject's state (a listing's snapshot): what `stateHash` records and `verify` compares. */
export const stateHash = (state: unknown): string => sha256Hex(canonicalJson(state));
