import { v7 as uuidv7 } from 'uuid';
import { dialectOf } from '../../db/knex';
import type { Queryable, Tx } from '../../db/tx';
import { canonicalEventText, canonicalJson, eventHash, GENESIS_HASH, sha256Hex, stateHash, type Actor, type EventContent, type StoredEvent, type Subject } from './event-hash';
import { leafHash } from './merkle';

/**
 * Chains: each subject's events, numbered 1, 2, 3… and each linked to the one before by its
 * hash. Written in the caller's transaction, with the change they record.
 */

/** An event as stored and as the API shows it. */
export interface TraceEvent extends EventContent {
  hash: string;
  logIndex: number | null;
}

/** What a writer says about an event; the service adds the number, the time and the hashes. */
export interface NewEvent {
  subject: Subject;
  type: string;
  actor: Actor;
  payload: Record<string, unknown>;
  /** The subject's state after the event (a listing's snapshot); only its hash is kept. */
  state: unknown;
  /**
   * The event opens its subject's chain (a listing created in this transaction): no last event to
   * read. Were the subject to have events already, the unique (subject, seq) index refuses it.
   */
  opens?: boolean;
}

/** A stored event with its id, hash and place in the log. */
type EventRow = StoredEvent & { id: string; hash: string; log_index: number | string | null };

const EVENT_COLUMNS = ['id', 'subject_type', 'subject_id', 'seq', 'type', 'actor_json', 'occurred_at', 'payload_json', 'state_hash', 'prev_hash', 'hash', 'log_index'];

function eventOf(row: EventRow): TraceEvent {
  return {
    subject: { type: row.subject_type, id: row.subject_id } as Subject,
    seq: Number(row.seq),
    type: row.type,
    actor: JSON.parse(row.actor_json) as Actor,
    occurredAt: row.occurred_at,
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    stateHash: row.state_hash,
    prevHash: row.prev_hash,
    hash: row.hash,
    logIndex: row.log_index === null ? null : Number(row.log_index),
  };
}

const subjectWhere = (subject: Subject) => ({ subject_type: subject.type, subject_id: subject.id });

const INSERT_COLUMNS = ['id', 'subject_type', 'subject_id', 'seq', 'type', 'actor_json', 'occurred_at', 'payload_json', 'state_hash', 'prev_hash', 'hash'] as const;
const INSERT_ONE = `INSERT INTO trace_events (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`;
const HEAD_ONE = 'SELECT seq, hash FROM trace_events WHERE subject_type = ? AND subject_id = ? ORDER BY seq DESC LIMIT 1';
interface SqliteDriver {
  prepare(sql: string): { get(...params: unknown[]): unknown; run(...params: unknown[]): unknown };
}

/**
 * One constant statement of the most frequent write (a listing's event): on SQLite straight on the
 * transaction's connection, its statement prepared once (knex's own path costs several times the
 * statement here: ~70 µs against ~10); elsewhere through knex.
 */
async function runOne(tx: Tx, sql: string, values: unknown[], mode: 'get' | 'run'): Promise<unknown> {
  if (dialectOf(tx) === 'sqlite') {
    const statement = ((await tx.client.acquireConnection()) as SqliteDriver).prepare(sql);
    return mode === 'get' ? statement.get(...values) : statement.run(...values);
  }
  const result = (await tx.raw(sql, values as never[])) as { rows: unknown[] };
  return result.rows[0];
}

type EventRowValues = Record<(typeof INSERT_COLUMNS)[number], string | number>;

/**
 * The event that follows `head` (the chain's last event, or none), hashed, and its row. The
 * actor and the payload are made canonical once: those bytes are both stored and hashed
 * (canonicalEventText), so nothing is serialised twice.
 */
function nextEvent(head: { seq: number; hash: string } | undefined, event: NewEvent, occurredAt: string): { event: TraceEvent; row: EventRowValues } {
  const seq = head ? head.seq + 1 : 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const state = stateHash(event.state);
  const stored = {
    subject_type: event.subject.type,
    subject_id: event.subject.id,
    seq,
    type: event.type,
    actor_json: canonicalJson(event.actor),
    occurred_at: occurredAt,
    payload_json: canonicalJson(event.payload),
    state_hash: state,
    prev_hash: prevHash,
  };
  const hash = sha256Hex(canonicalEventText(stored));
  return {
    event: { subject: event.subject, seq, type: event.type, actor: event.actor, occurredAt, payload: event.payload, stateHash: state, prevHash, hash, logIndex: null },
    row: { id: uuidv7(), ...stored, hash },
  };
}

type Head = { seq: number; hash: string };
/** Up to this many chains, their heads are read one by one (a constant, prepared statement each); beyond, in batches. */
const FEW_CHAINS = 4;
const subjectKey = (subject: Subject): string => `${subject.type}/${subject.id}`;

/** The last event of each chain, read in a few statements however many chains (a bulk load of new listings has none). */
async function headsOf(tx: Tx, subjects: readonly Subject[]): Promise<Map<string, Head>> {
  const heads = new Map<string, Head>();
  if (subjects.length === 0) return heads;
  const distinct = [...new Map(subjects.map((s) => [subjectKey(s), s])).values()];
  if (distinct.length <= FEW_CHAINS) {
    // The common cases, a listing's change or a movement between a few accounts: each chain's
    // last event by the chain index, newest first (one constant statement each).
    for (const subject of distinct) {
      const row = (await runOne(tx, HEAD_ONE, [subject.type, subject.id], 'get')) as { seq: number | string; hash: string } | undefined;
      if (row) heads.set(subjectKey(subject), { seq: Number(row.seq), hash: row.hash });
    }
    return heads;
  }
  const byType = new Map<string, Set<string>>();
  for (const subject of subjects) byType.set(subject.type, (byType.get(subject.type) ?? new Set()).add(subject.id));
  for (const [type, idSet] of byType) {
    const ids = [...idSet];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = (await tx('trace_events as e')
        .select('e.subject_id', 'e.seq', 'e.hash')
        .where('e.subject_type', type)
        .whereIn('e.subject_id', ids.slice(i, i + 500))
        .whereRaw('e.seq = (SELECT max(m.seq) FROM trace_events AS m WHERE m.subject_type = e.subject_type AND m.subject_id = e.subject_id)')) as { subject_id: string; seq: number | string; hash: string }[];
      for (const row of rows) heads.set(`${type}/${row.subject_id}`, { seq: Number(row.seq), hash: row.hash });
    }
  }
  return heads;
}

/**
 * Appends events to their chains in the caller's transaction. The caller holds the subject (a
 * listing's row lock), so appends to one chain come one at a time; were two to race anyway, the
 * unique (subject, seq) index fails one of them rather than fork the chain.
 */
export async function appendEvents(tx: Tx, events: readonly NewEvent[], occurredAt: string): Promise<TraceEvent[]> {
  // A new listing's chain has no head: for a creation, the only statement is the insert.
  const heads = await headsOf(
    tx,
    events.filter((e) => !e.opens).map((e) => e.subject),
  );
  const written: TraceEvent[] = [];
  const rows: EventRowValues[] = [];
  for (const event of events) {
    const key = subjectKey(event.subject);
    const next = nextEvent(heads.get(key), event, occurredAt);
    heads.set(key, { seq: next.event.seq, hash: next.event.hash });
    written.push(next.event);
    rows.push(next.row);
  }
  if (rows.length === 1) {
    // One row, one constant statement: no query to build for the most frequent write.
    const row = rows[0] as EventRowValues;
    await runOne(
      tx,
      INSERT_ONE,
      INSERT_COLUMNS.map((c) => row[c]),
      'run',
    );
  } else {
    // Chunked: a bulk load writes thousands at once, within every database's parameter limit.
    for (let i = 0; i < rows.length; i += 500) await tx('trace_events').insert(rows.slice(i, i + 500));
  }
  return written;
}

/** The state hash each chain of a subject type last recorded, by subject id (one statement, by the chain index). */
export async function lastStateHashes(db: Queryable, type: Subject['type']): Promise<Map<string, string>> {
  const rows = (await db('trace_events as e')
    .select('e.subject_id', 'e.state_hash')
    .where('e.subject_type', type)
    .whereRaw('e.seq = (SELECT max(m.seq) FROM trace_events AS m WHERE m.subject_type = e.subject_type AND m.subject_id = e.subject_id)')) as { subject_id: string; state_hash: string }[];
  return new Map(rows.map((r) => [r.subject_id, r.state_hash]));
}

/** The payloads of events of these types in these chains (one statement): for figures computed from histories. */
export async function eventPayloads(db: Queryable, type: Subject['type'], ids: readonly string[], eventTypes: readonly string[]): Promise<{ subjectId: string; type: string; payload: Record<string, unknown> }[]> {
  if (ids.length === 0) return [];
  const rows = (await db('trace_events').select('subject_id', 'type', 'payload_json').where('subject_type', type).whereIn('subject_id', [...ids]).whereIn('type', [...eventTypes])) as { subject_id: string; type: string; payload_json: string }[];
  return rows.map((r) => ({ subjectId: r.subject_id, type: r.type, payload: JSON.parse(r.payload_json) as Record<string, unknown> }));
}

/** Events of one chain, from `afterSeq` on, oldest first. */
export async function readChain(db: Queryable, subject: Subject, options: { afterSeq?: number; limit?: number } = {}): Promise<TraceEvent[]> {
  const query = db('trace_events').select(EVENT_COLUMNS).where(subjectWhere(subject)).orderBy('seq', 'asc');
  if (options.afterSeq !== undefined) query.where('seq', '>', options.afterSeq);
  if (options.limit !== undefined) query.limit(options.limit);
  return ((await query) as EventRow[]).map(eventOf);
}

export type InvalidReason = 'hash-mismatch' | 'broken-link' | 'sequence-gap' | 'state-mismatch' | 'no-events' | 'log-mismatch';

export interface ChainVerdict {
  valid: boolean;
  checkedEvents: number;
  firstInvalid: { seq: number; reason: InvalidReason } | null;
}

/**
 * Checks a chain event by event: its number, its hash, its link to the one before and, once
 * logged, the leaf at its log index (`leaves`: log index → leaf hash); then the subject's current
 * state against the last event's `stateHash`. Stops at the first fault, which it names.
 */
export function checkChain(events: readonly TraceEvent[], leaves: ReadonlyMap<number, Buffer>, currentState: unknown): ChainVerdict {
  if (events.length === 0) return { valid: false, checkedEvents: 0, firstInvalid: { seq: 0, reason: 'no-events' } };
  let prevHash = GENESIS_HASH;
  for (const [i, event] of events.entries()) {
    const fault = (reason: InvalidReason): ChainVerdict => ({ valid: false, checkedEvents: i + 1, firstInvalid: { seq: event.seq, reason } });
    if (event.seq !== i + 1) return fault('sequence-gap');
    if (eventHash(event) !== event.hash) return fault('hash-mismatch');
    if (event.prevHash !== prevHash) return fault('broken-link');
    if (event.logIndex !== null) {
      const leaf = leaves.get(event.logIndex);
      if (!leaf || !leaf.equals(leafHash(Buffer.from(event.hash, 'hex')))) return fault('log-mismatch');
    }
    prevHash = event.hash;
  }
  const last = events[events.length - 1] as TraceEvent;
  if (stateHash(currentState) !== last.stateHash) return { valid: false, checkedEvents: events.length, firstInvalid: { seq: last.seq, reason: 'state-mismatch' } };
  return { valid: true, checkedEvents: events.length, firstInvalid: null };
}
