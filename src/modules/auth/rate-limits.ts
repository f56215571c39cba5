import type { Clock } from '../../clock';
import { createHash } from 'node:crypto';
import type { Db } from '../../db/knex';
import { Problem } from '../../http/problems';

export interface RateLimit {
  /** Names the limit in its keys and in the 429's detail. */
  name: string;
  /** Hits allowed per window; the next one is refused until the window ends. */
  max: number;
  windowSeconds: number;
}

const keyOf = (name: string, parts: readonly string[]): string => createHash('sha256').update([name, ...parts].join('\n')).digest('hex');

/** Expired counters are deleted every so many hits per instance, so the table stays small. */
const PURGE_EVERY = 500;

/**
 * Fixed-window counters in the database, so that every API instance sharing it counts together.
 * A hit is counted before the work it guards, in one atomic statement (no read-then-write), so
 * concurrent requests cannot slip through between a check and an increment.
 */
export function createRateLimits(db: Db, clock: Clock) {
  let hitsSincePurge = 0;

  async function increment(key: string, windowMs: number, now: number): Promise<{ hits: number; windowEndsAt: number }> {
    const result = (await db.raw(
      `INSERT INTO rate_limits (key, hits, window_ends_at) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.window_ends_at <= ? THEN 1 ELSE rate_limits.hits + 1 END,
         window_ends_at = CASE WHEN rate_limits.window_ends_at <= ? THEN ? ELSE rate_limits.window_ends_at END
       RETURNING hits, window_ends_at`,
      [key, now + windowMs, now, now, now + windowMs],
    )) as { rows: Row[] } | Row[];
    const row = (Array.isArray(result) ? result : result.rows)[0] as Row;
    return { hits: Number(row.hits), windowEndsAt: Number(row.window_ends_at) };
  }

  async function purgeNowAndThen(now: number): Promise<void> {
    if (++hitsSincePurge < PURGE_EVERY) return;
    hitsSincePurge = 0;
    await db('rate_limits').where('window_ends_at', '<=', now).delete();
  }

  return {
    /** Counts one hit of `parts` against `limit`; throws 429 with Retry-After once over it. */
    async hit(limit: RateLimit, parts: readonly string[]): Promise<void> {
      const now = clock.now().getTime();
      const { hits, windowEndsAt } = await increment(keyOf(limit.name, parts), limit.windowSeconds * 1000, now);
      await purgeNowAndThen(now);
      if (hits <= limit.max) return;
      const retryAfter = Math.max(1, Math.ceil((windowEndsAt - now) / 1000));
      throw new Problem('too-many-requests', `Too many ${limit.name} attempts; retry in ${retryAfter} s.`, { headers: { 'Retry-After': String(retryAfter) } });
    },

    /** Forgets the hits of `parts` (a successful login clears its failures). */
    async clear(limit: RateLimit, parts: readonly string[]): Promise<void> {
      await db('rate_limits').where({ key: keyOf(limit.name, parts) }).delete();
    },
  };
}

interface Row {
  hits: number | string;
  window_ends_at: number | string;
}

export type RateLimits = ReturnType<typeof createRateLimits>;
