import { v7 as uuidv7 } from 'uuid';
import { ManualClock } from '../src/clock';
import type { Db } from '../src/db/knex';
import { withTx } from '../src/db/tx';
import { eventHash, stateHash } from '../src/modules/trace/event-hash';
import { integrate, treeState } from '../src/modules/trace/log';
import { leafHash } from '../src/modules/trace/merkle';
import { createTraceService } from '../src/modules/trace/service';
import { referenceRoot } from './helpers/merkle-reference';
import { sharedDatabase } from './helpers/shared-database';

/** Two sequencers over one database, each on its own connection, as two workers or two instances would be. */
const twoHandles = async () => {
  const { dbs, config, close } = await sharedDatabase(2);
  return { dbs: dbs as [Db, Db], config, close };
};

describe('two sequencers started at once', () => {
  it('take turns: every event gets one log index, and the tree is the reference tree of those leaves', async () => {
    const { dbs, config, close } = await twoHandles();
    try {
      const trace = createTraceService(dbs[0], config, new ManualClock('2026-11-26T10:00:00.000Z'));
      const parts = Array.from({ length: 60 }, () => uuidv7());
      // 60 chains of 10 events, written in 10 transactions, as concurrent writers would.
      for (let round = 0; round < 10; round += 1) {
        await withTx(dbs[0], (tx) => trace.appendMany(tx, parts.map((id) => ({ subject: { type: 'part', id }, type: 'part.note', actor: { type: 'system' }, payload: { round }, state: { round } }))));
      }
      const total = 600;
      const drain = async (db: Db): Promise<void> => {
        // Small batches, so the two interleave many times.
        while ((await treeState(db)).size < total) await integrate(db, new Date().toISOString(), 37);
      };
      await Promise.all([drain(dbs[0]), drain(dbs[1])]);

      const rows = (await dbs[0]('trace_events').select('hash', 'log_index').orderBy('log_index')) as { hash: string; log_index: number | string }[];
      expect(rows.map((r) => Number(r.log_index))).toEqual(Array.from({ length: total }, (_, i) => i));
      const state = await treeState(dbs[1]);
      expect(state.size).toBe(total);
      expect(state.root.equals(referenceRoot(rows.map((r) => leafHash(Buffer.from(r.hash, 'hex')))))).toBe(true);
      expect(await trace.auditLog()).toMatchObject({ valid: true, events: total, leaves: total, problems: [] });
    } finally {
      await close();
    }
  });
});

describe('an event hashes the same on SQLite and PostgreSQL', () => {
  it('gives back the bytes that were hashed, so the hash is this constant on both', async () => {
    const { dbs, config, close } = await twoHandles();
    try {
      const trace = createTraceService(dbs[0], config, new ManualClock('2026-11-26T10:00:00.123Z'));
      const subject = { type: 'part', id: '019dca2d-7530-7374-89ec-7b54818a71c1' } as const;
      const state = { title: 'Alternateur Valeo', price: { amount: 129900, currency: 'MAD' }, quantity: 3, status: 'active', fitment: [{ make: 'Dacia', model: 'Logan', yearFrom: 2012, yearTo: 2020 }] };
      await withTx(dbs[0], (tx) =>
        trace.append(tx, { subject, type: 'part.created', actor: { type: 'user', userId: '019dca2d-7530-7374-89ec-7b54818a71c2', role: 'seller' }, payload: { listing: state, note: 'é ü 😀 "quoted"', big: 2 ** 53 - 1 }, state }),
      );
      const [event] = await trace.chain(subject, dbs[1]);
      expect(event?.stateHash).toBe(stateHash(state));
      expect(event && eventHash(event)).toBe(event?.hash);
      // Computed apart (Python: json.dumps with sorted keys and no spaces, then SHA-256), not by this code.
      expect(event?.hash).toBe('9d64efde17fd89a2b93ac12262224fb49c22a7522ab15b2446374908d597e75c');
    } finally {
      await close();
    }
  });
});

describe('an event that opens its chain (a listing created in the same transaction)', () => {
  it('is written without reading a head, and refused if the chain already has events: never a second event 1', async () => {
    const { dbs, config, close } = await twoHandles();
    try {
      const trace = createTraceService(dbs[0], config, new ManualClock('2026-11-26T10:00:00.000Z'));
      const subject = { type: 'part', id: uuidv7() } as const;
      const opening = { subject, type: 'part.created', actor: { type: 'system' }, payload: { round: 0 }, state: { round: 0 }, opens: true } as const;
      const [first] = await withTx(dbs[0], (tx) => trace.appendMany(tx, [opening]));
      expect(first).toMatchObject({ seq: 1, prevHash: '0'.repeat(64) });
      // The unique index's own error (by its code: a driver's error class may come from another test file's realm).
      await expect(withTx(dbs[0], (tx) => trace.appendMany(tx, [opening]))).rejects.toHaveProperty('code', config.database.client === 'sqlite' ? 'SQLITE_CONSTRAINT_UNIQUE' : '23505');
      const chain = await trace.chain(subject);
      expect(chain.map((e) => e.seq)).toEqual([1]);
      expect(chain[0]?.hash).toBe(first?.hash);
    } finally {
      await close();
    }
  });
});
