import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Clock } from '../clock';
import type { Db } from '../db/knex';
import { withTx, type Queryable, type Tx } from '../db/tx';
import { Problem } from './problems';

/** How an operation takes `Idempotency-Key`, read from its declared header parameter. */
export type IdempotencyUse = 'required' | 'optional' | 'absent';

/** An answer as sent, to be sent again. */
export interface StoredReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

/** One key of one caller for one operation, with the request it was first used for. */
export interface IdempotencyScope {
  userId: string;
  key: string;
  operationId: string;
  /** SHA-256 of the request (operation, path, body as RFC 8785 canonical JSON). */
  fingerprint: string;
}

/** How long an answer is kept for replay. */
export const IDEMPOTENCY_KEEP_MS = 24 * 3600 * 1000;
/**
 * How long a claim holds without an answer. A request still running after this (or one whose
 * server died before its effect committed) can be taken over by a retry: its effect never
 * committed, since the answer is written in the same transaction as the effect.
 */
export const IDEMPOTENCY_LOCK_MS = 60 * 1000;
/** Expired keys are removed once every this many claims (by whichever instance makes the claim). */
const PURGE_EVERY = 200;

export function requestFingerprint(operationId: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(canonicalize({ operationId, path, body: body ?? null }) as string)
    .digest('hex');
}

interface Row {
  fingerprint: string;
  operation_id: string;
  state: 'in_flight' | 'done';
  response_status: number | null;
  response_headers_json: string | null;
  response_body_json: string | null;
  locked_until: number | string;
  expires_at: number | string;
}

const reused = (): Problem =>
  new Problem('idempotency-key-reused', 'This Idempotency-Key was used for another request; use a new key for a new request.');
const inFlight = (): Problem =>
  new Problem('idempotency-key-in-flight', 'A request with this Idempotency-Key is still being processed; retry shortly.', { headers: { 'Retry-After': '1' } });

/**
 * The stored side of `Idempotency-Key` (docs/idempotency.md): a request claims its key before it
 * runs; its answer is written in the transaction of its effect (`complete`), so a crash can never
 * keep the effect and lose the answer, or the reverse.
 */
export function idempotencyStore(db: Db, clock: Clock) {
  const table = (q: Queryable = db) => q('idempotency_keys');
  const where = (scope: IdempotencyScope) => ({ user_id: scope.userId, key: scope.key });
  let claimsSincePurge = 0;

  /** Removes the keys whose answers are past their keeping time; returns how many. */
  async function purgeExpired(): Promise<number> {
    return withTx(db, (tx) => table(tx).where('expires_at', '<=', clock.now().getTime()).delete());
  }

  /** `claimed`: run the request. A stored answer: send it again. Otherwise a 409 or a 422. */
  async function claim(scope: IdempotencyScope): Promise<{ claimed: true } | { claimed: false; reply: StoredReply }> {
    if (++claimsSincePurge >= PURGE_EVERY) {
      claimsSincePurge = 0;
      await purgeExpired();
    }
    // One transaction: on SQLite it holds the write lock throughout (withTx), on PostgreSQL the
    // insert waits for a concurrent claim of the same key to commit; either way one claim wins.
    return withTx(db, async (tx) => {
      const now = clock.now().getTime();
      const insert = () =>
        table(tx)
          .insert({ ...where(scope), operation_id: scope.operationId, fingerprint: scope.fingerprint, state: 'in_flight', locked_until: now + IDEMPOTENCY_LOCK_MS, expires_at: now + IDEMPOTENCY_KEEP_MS })
          .onConflict(['user_id', 'key'])
          .ignore()
          .returning('key') as Promise<unknown[]>;
      if ((await insert()).length > 0) return { claimed: true } as const;
      let row = (await table(tx).where(where(scope)).first()) as Row | undefined;
      if (row && Number(row.expires_at) <= now) {
        // Past its keeping time: the key is free again.
        await table(tx).where(where(scope)).delete();
        row = undefined;
      }
      if (!row) {
        if ((await insert()).length > 0) return { claimed: true } as const;
        throw inFlight();
      }
      if (row.fingerprint !== scope.fingerprint || row.operation_id !== scope.operationId) throw reused();
      if (row.state === 'done') return { claimed: false, reply: storedReply(row) } as const;
      if (Number(row.locked_until) > now) throw inFlight();
      // A claim whose request never answered: taken over by exactly one retry (two retries at once
      // on PostgreSQL both read the old lock; the second one's update then finds it changed).
      const taken = await table(tx).where({ ...where(scope), state: 'in_flight', locked_until: row.locked_until }).update({ locked_until: now + IDEMPOTENCY_LOCK_MS });
      if (taken !== 1) throw inFlight();
      return { claimed: true } as const;
    });
  }

  return {
    claim,
    purgeExpired,

    /** Stores the answer: inside the effect's transaction, or alone for an answer without effect (a 4xx). */
    async complete(q: Queryable, scope: IdempotencyScope, reply: StoredReply): Promise<void> {
      await table(q)
        .where(where(scope))
        .update({
          state: 'done',
          response_status: reply.status,
          response_headers_json: JSON.stringify({ ...(reply.headers ?? {}), ...(reply.contentType ? { 'Content-Type': reply.contentType } : {}) }),
          response_body_json: reply.body === undefined ? null : JSON.stringify(reply.body),
        });
    },

    /** Gives the key back after a failure that decided nothing (a 5xx): a retry runs the request again. */
    async release(scope: IdempotencyScope): Promise<void> {
      await table().where({ ...where(scope), state: 'in_flight' }).delete();
    },
  };
}

function storedReply(row: Row): StoredReply {
  const headers = JSON.parse(row.response_headers_json ?? '{}') as Record<string, string>;
  const { 'Content-Type': contentType, ...rest } = headers;
  return {
    status: row.response_status as number,
    headers: rest,
    body: row.response_body_json === null ? undefined : (JSON.parse(row.response_body_json) as unknown),
    contentType,
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;

/**
 * Answers a request under its key: the stored answer again (`replayed`), a 409 or 422 problem,
 * or the request run for the first time, its answer stored in the transaction of its effect.
 * A refusal (4xx) is stored too, on its own: it had no effect. A failure (5xx) gives the key back.
 */
export async function answerOnce(
  store: IdempotencyStore,
  db: Db,
  scope: IdempotencyScope,
  run: (tx: Tx) => Promise<StoredReply>,
  asProblemReply: (err: unknown) => StoredReply | null,
): Promise<{ reply: StoredReply; replayed: boolean }> {
  const claim = await store.claim(scope);
  if (!claim.claimed) return { reply: claim.reply, replayed: true };
  try {
    const reply = await withTx(db, async (tx) => {
      const answer = await run(tx);
      await store.complete(tx, scope, answer);
      return answer;
    });
    return { reply, replayed: false };
  } catch (err) {
    const refusal = asProblemReply(err);
    if (refusal && refusal.status < 500) await store.complete(db, scope, refusal);
    else await store.release(scope);
    throw err;
  }
}
