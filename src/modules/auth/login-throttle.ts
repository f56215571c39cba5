import { createHash } from 'node:crypto';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { Problem } from '../../http/problems';
import { LoginThrottle } from './login-throttle.model';

/**
 * Counts failed logins per (client address, email) in a fixed window, in the database so that
 * every API instance sharing it sees the same count.
 */
export function createLoginThrottle(db: Db, settings: Config['loginThrottle']) {
  const keyOf = (ip: string, email: string): string => createHash('sha256').update(`${ip}\n${email}`).digest('hex');
  const windowMs = settings.windowSeconds * 1000;

  return {
    /** Throws 429 with Retry-After while the (ip, email) pair is locked out. */
    async assertAllowed(ip: string, email: string, now = Date.now()): Promise<void> {
      const row = await LoginThrottle.query(db).findById(keyOf(ip, email));
      if (!row || row.failures < settings.maxFailures) return;
      const windowEnd = Date.parse(row.windowStartedAt) + windowMs;
      if (windowEnd <= now) return;
      const retryAfter = Math.max(1, Math.ceil((windowEnd - now) / 1000));
      throw new Problem('too-many-requests', 'Too many failed login attempts; retry later.', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    },

    async recordFailure(ip: string, email: string, now = Date.now()): Promise<void> {
      const key = keyOf(ip, email);
      const nowIso = new Date(now).toISOString();
      const windowOpenedAfter = new Date(now - windowMs).toISOString();
      // One atomic upsert: concurrent failures cannot be lost between a read and a write.
      await db('login_throttles')
        .insert({ key, failures: 1, window_started_at: nowIso })
        .onConflict('key')
        .merge({
          failures: db.raw('CASE WHEN login_throttles.window_started_at <= ? THEN 1 ELSE login_throttles.failures + 1 END', [windowOpenedAfter]),
          window_started_at: db.raw('CASE WHEN login_throttles.window_started_at <= ? THEN ? ELSE login_throttles.window_started_at END', [windowOpenedAfter, nowIso]),
        });
    },

    async reset(ip: string, email: string): Promise<void> {
      await LoginThrottle.query(db).deleteById(keyOf(ip, email));
    },
  };
}

export type LoginThrottleService = ReturnType<typeof createLoginThrottle>;
