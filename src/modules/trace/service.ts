import { isoNow, type Clock } from '../../clock';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { withTx, type Queryable, type Tx } from '../../db/tx';
import { decodeCursor, DEFAULT_LIMIT, toPage, type Page } from '../../http/pagination';
import { Problem, validationProblem } from '../../http/problems';
import { auditLog, type AuditOptions, type LogVerdict } from './audit';
import { appendEvents, checkChain, eventPayloads, lastStateHashes, readChain, type ChainVerdict, type NewEvent, type TraceEvent } from './chain';
import { checkpointAt, latestCheckpoint, latestSigned, signCheckpoint, signingKeys, type Checkpoint, type SigningKeyRecord } from './checkpoints';
import { stateHash, type Subject } from './event-hash';
import { consistencyProof, inclusionProof, integrate, leavesAt, treeState } from './log';
import { parseSignerKey } from './signed-note';

export type { Actor, Subject } from './event-hash';
export { stateHash } from './event-hash';
export type { ChainVerdict, NewEvent, TraceEvent } from './chain';
export type { Checkpoint, SigningKeyRecord } from './checkpoints';
export type { LogVerdict } from './audit';

/**
 * Appends events in the caller's transaction, stamped by `clock`: what the service's `appendMany`
 * does, for writers that run without the whole service (the bulk loader of the seed scripts).
 */
export const eventRecorder =
  (clock: Clock) =>
  (tx: Tx, events: readonly NewEvent[]): Promise<TraceEvent[]> =>
    appendEvents(tx, events, isoNow(clock));

/** How many events one sequencing round takes in at most (a bulk load's backlog goes in several). */
const INTEGRATE_BATCH = 10_000;

export interface InclusionProofView {
  logIndex: number;
  treeSize: number;
  leafHash: string;
  hashes: string[];
}

/**
 * The traceability log (docs/traceability.md): chains of events written in the writers' own
 * transactions, the Merkle log they are sequenced into, signed checkpoints and proofs. It imports
 * no other module: the modules that record events pass it their transaction and their subject's
 * state.
 */
export function createTraceService(db: Db, config: Config, clock: Clock) {
  const { origin } = config.trace;
  const key = parseSignerKey(config.trace.signingKey);

  /** Rejects a tree size the log has not reached yet (404) before any proof is read. */
  async function reachedSize(size: number): Promise<void> {
    const state = await treeState(db);
    if (size > state.size) throw new Problem('not-found', `The log has ${state.size} leaves; it has no version of ${size}.`);
  }

  const service = {
    /** Appends one event in the caller's transaction: if it cannot be written, the change it records fails with it. */
    async append(tx: Tx, event: NewEvent): Promise<TraceEvent> {
      return (await appendEvents(tx, [event], isoNow(clock)))[0] as TraceEvent;
    },

    /** Appends many (a bulk load), chain by chain, in the caller's transaction. */
    appendMany: eventRecorder(clock),

    /** A chain, oldest first, a page at a time. */
    async history(subject: Subject, page: { limit?: number; cursor?: string }): Promise<Page<TraceEvent>> {
      const limit = page.limit ?? DEFAULT_LIMIT;
      const after = decodeCursor(page.cursor, { seq: (v) => Number.isSafeInteger(v) && (v as number) >= 1 });
      const events = await readChain(db, subject, { afterSeq: after ? Number(after.seq) : undefined, limit: limit + 1 });
      return toPage(events, limit, (e) => ({ seq: e.seq }), (e) => e);
    },

    /**
     * The subjects of one type whose current state is not the one their chain last recorded
     * (`state-mismatch`), or that have no chain (`no-events`): a reconciliation of stored rows
     * against the log, in one read of the chains' heads.
     */
    async statesNotRecorded(type: Subject['type'], current: readonly { id: string; state: unknown }[]): Promise<{ id: string; reason: 'no-events' | 'state-mismatch' }[]> {
      const recorded = await lastStateHashes(db, type);
      type Differing = { id: string; reason: 'no-events' | 'state-mismatch' };
      return current.flatMap(({ id, state }): Differing[] => {
        const last = recorded.get(id);
        if (last === undefined) return [{ id, reason: 'no-events' }];
        return last === stateHash(state) ? [] : [{ id, reason: 'state-mismatch' }];
      });
    },

    /** The payloads of events of these types in these chains (figures computed from histories, such as a listing's defect rate). */
    eventPayloads: (type: Subject['type'], ids: readonly string[], eventTypes: readonly string[]) => eventPayloads(db, type, ids, eventTypes),

    /** A whole chain, oldest first. */
    chain: (subject: Subject, on: Queryable = db): Promise<TraceEvent[]> => readChain(on, subject),

    /** Every link and hash of a chain, its logged events against the tree, and `currentState` against the last event. */
    async verify(subject: Subject, currentState: unknown): Promise<ChainVerdict> {
      const events = await readChain(db, subject);
      const leaves = await leavesAt(db, events.flatMap((e) => (e.logIndex === null ? [] : [e.logIndex])));
      return checkChain(events, leaves, currentState);
    },

    /** One sequencing round (see log.ts). */
    integrate: () => integrate(db, isoNow(clock), INTEGRATE_BATCH),

    /** Takes every committed event into the log, then signs the tree (or returns the checkpoint already made at its size). */
    async checkpoint(): Promise<Checkpoint> {
      while ((await integrate(db, isoNow(clock), INTEGRATE_BATCH)).added === INTEGRATE_BATCH);
      return withTx(db, (tx) => signCheckpoint(tx, origin, key, isoNow(clock)));
    },

    latestCheckpoint: (): Promise<Checkpoint | null> => latestCheckpoint(db, origin),
    checkpointAt: (treeSize: number): Promise<Checkpoint | null> => checkpointAt(db, origin, treeSize),
    keys: (): Promise<SigningKeyRecord[]> => signingKeys(db, origin),

    async inclusionProof(logIndex: number, treeSize: number): Promise<InclusionProofView> {
      if (logIndex >= treeSize) throw validationProblem('/query/logIndex', `must be below treeSize (${treeSize})`);
      await reachedSize(treeSize);
      const proof = await inclusionProof(db, logIndex, treeSize);
      return { logIndex, treeSize, leafHash: proof.leaf.toString('hex'), hashes: proof.hashes.map((h) => h.toString('hex')) };
    },

    async consistencyProof(from: number, to: number): Promise<{ from: number; to: number; hashes: string[] }> {
      if (from > to) throw validationProblem('/query/from', `must not be above to (${to})`);
      await reachedSize(to);
      return { from, to, hashes: (await consistencyProof(db, from, to)).map((h) => h.toString('hex')) };
    },

    /**
     * What proves offline that the leaf at `logIndex` is in the log: the latest signed checkpoint,
     * the inclusion proof in its tree, and the key that signed it. Null while no checkpoint covers
     * the leaf yet (or the event has no log index yet).
     */
    async proofOfLeaf(logIndex: number | null): Promise<{ checkpoint: Checkpoint; inclusionProof: InclusionProofView; key: SigningKeyRecord } | null> {
      if (logIndex === null) return null;
      const signed = await latestSigned(db, origin);
      if (!signed || signed.checkpoint.treeSize <= logIndex) return null;
      const key = (await signingKeys(db, origin)).find((k) => k.keyId === signed.keyId);
      if (!key) throw new Error(`checkpoint ${signed.checkpoint.treeSize} is signed by key ${signed.keyId}, which the log does not announce`);
      return { checkpoint: signed.checkpoint, inclusionProof: await service.inclusionProof(logIndex, signed.checkpoint.treeSize), key };
    },

    /** Seconds within which a new event is in a signed checkpoint, at most. */
    loggedWithinSeconds: (): number => Math.ceil((config.trace.integrateIntervalMs + config.trace.checkpointIntervalMs) / 1000),

    /** The whole log, checked (admin and `npm run verify:log`). */
    auditLog: (options?: AuditOptions): Promise<LogVerdict> => auditLog(db, config.database, origin, options),

    /** The key that signs new checkpoints. */
    signingKey: () => ({ name: key.name, keyId: key.keyId, verifierKey: key.text }),
  };
  return service;
}

export type TraceService = ReturnType<typeof createTraceService>;
