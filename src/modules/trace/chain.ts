import { v7 as uuidv7 } from 'uuid';
import type { Queryable, Tx } from '../../db/tx';
import { canonicalJson, eventHash, GENESIS_HASH, stateHash, type Actor, type EventContent, type Subject } from './event-hash';
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
}

interface EventRow {
  id: string;
  subject_type: string;
  subject_id: string;
  seq: number | string;
  type: string;
  actor_json: string;
  occurred_at: string;
  payload_json: string;
  state_hash: string;
  prev_hash: string;
  hash: string;
  log_index: number | string | null;
}

export const EVENT_COLUMNS = ['id', 'subject_type', 'subject_id', 'seq', 'type', 'actor_json', 'occurred_at', 'payload_json', 'state_hash', 'prev_hash', 'hash', 'log_index'];

export function eventOf(row: EventRow): TraceEvent {
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

function rowOf(event: TraceEvent): Record<string, unknown> {
  return {
    id: uuidv7(),
    ...subjectWhere(event.subject),
    seq: event.seq,
    type: event.type,
    // Canonical, so the stored bytes are the hashed ones (canonicalEventText).
    actor_json: canonicalJson(event.actor),
    occurred_at: event.occurredAt,
    payload_json: canonicalJson(event.payload),
    state_hash: event.stateHash,
    prev_hash: event.prevHash,
    hash: event.hash,
    log_index: null,
  };
}

/** The event that follows `head` (the chain's last event, or none), hashed. */
export function nextEvent(head: { seq: number; hash: string } | undefined, event: NewEvent, occurredAt: string): TraceEvent {
  const content: EventContent = {
    subject: event.subject,
    seq: head ? head.seq + 1 : 1,
    type: event.type,
    actor: event.actor,
    occurredAt,
    payload: event.payload,
    stateHash: stateHash(event.state),
    prevHash: head?.hash ?? GENESIS_HASH,
  };
  return { ...content, hash: eventHash(content), logIndex: null };
}

type Head = { seq: number; hash: string };
const subjectKey = (subject: Subject): string => `${subject.type}/${subject.id}`;

/** The last event of each chain, read in a few statements however many chains (a bulk load of new listings has none). */
async function headsOf(tx: Queryable, subjects: readonly Subject[]): Promise<Map<string, Head>> {
  const heads = new Map<string, Head>();
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
  const heads = await headsOf(
    tx,
    events.map((e) => e.subject),
  );
  const written: TraceEvent[] = [];
  for (const event of events) {
    const key = subjectKey(event.subject);
    const next = nextEvent(heads.get(key), event, occurredAt);
    heads.set(key, { seq: next.seq, hash: next.hash });
    written.push(next);
  }
  // Chunked: a bulk load writes thousands at once, within every database's parameter limit.
  const rows = written.map(rowOf);
  for (let i = 0; i < rows.length; i += 500) await tx('trace_events').insert(rows.slice(i, i + 500));
  return written;
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
