import { v7 as uuidv7 } from 'uuid';
import { ManualClock } from '../src/clock';
import type { Db } from '../src/db/knex';
import { withTx } from '../src/db/tx';
import { createTraceService, type LogVerdict } from '../src/modules/trace/service';
import { sharedDatabase } from './helpers/shared-database';

/**
 * The whole-log audit cuts its work into units; a large log's units run in child processes, each
 * on a connection of its own. Here a small log with small units (runs of 8 leaves), so that both
 * ways run every kind of unit many times: they must find the same things, in the same places.
 */
let handle: Awaited<ReturnType<typeof sharedDatabase<1>>>;
let db: Db;
let trace: ReturnType<typeof createTraceService>;
const parts = Array.from({ length: 40 }, () => uuidv7());

async function write(rounds: number, from = 0): Promise<number> {
  let written = 0;
  for (let round = from; round < from + rounds; round += 1) {
    // Chains of different lengths: part i takes part in the first (i % 7) + 1 rounds.
    const now = parts.filter((_, i) => round <= i % 7);
    await withTx(db, (tx) => trace.appendMany(tx, now.map((id) => ({ subject: { type: 'part', id }, type: 'part.note', actor: { type: 'system' }, payload: { round }, state: { round } }))));
    written += now.length;
  }
  return written;
}

async function integrateAll(): Promise<void> {
  while ((await trace.integrate()).added > 0);
}

const audit = (processes: number): Promise<LogVerdict> => trace.auditLog({ processes, runBits: 3 });

beforeAll(async () => {
  handle = await sharedDatabase(1);
  db = handle.dbs[0] as Db;
  trace = createTraceService(db, handle.config, new ManualClock('2026-11-26T10:00:00.000Z'));
});
afterAll(() => handle.close());

describe('the whole-log audit in child processes', () => {
  let total = 0;

  it('finds a clean log clean, as the audit in process does, every event and leaf counted once', async () => {
    total = await write(7);
    await integrateAll();
    await trace.checkpoint();
    const [inProcess, inChildren] = [await audit(0), await audit(2)];
    // The log's own first event (its signing key, written by the first checkpoint) is not logged yet.
    expect(inProcess).toEqual({ valid: true, events: total + 1, leaves: total, checkpoints: 1, problems: [] });
    expect(inChildren).toEqual(inProcess);
  });

  it('stays clean while events are written and logged during the audit', async () => {
    const auditing = audit(2);
    for (let round = 0; round < 5; round += 1) {
      total += await write(1, round);
      await trace.integrate();
    }
    const verdict = await auditing;
    expect(verdict).toMatchObject({ valid: true, problems: [] });
    expect(await audit(2)).toMatchObject({ valid: true, events: total + 1, leaves: total + 1 });
  });

  it('locates the same damage as the audit in process: an edited event, a wrong subtree, a missing leaf, an event taken out of the log', async () => {
    const edited = parts[5] as string;
    await db('trace_events').where({ subject_type: 'part', subject_id: edited, seq: 1 }).update({ payload_json: '{"round":99}' });
    await db('trace_tree_nodes').where({ level: 1, idx: 2 }).update({ hash: Buffer.alloc(32) });
    await db('trace_tree_nodes').where({ level: 0, idx: 7 }).delete();
    await db('trace_events').where({ log_index: 11 }).update({ log_index: null });

    const [inProcess, inChildren] = [await audit(0), await audit(2)];
    expect(inProcess.valid).toBe(false);
    expect(inProcess.problems).toEqual(
      expect.arrayContaining([
        `part ${edited} event 1: its content does not give its hash`,
        'stored subtree at level 1, index 2 is not the hash of its children',
        'log index 7: no leaf is stored there',
        'log index 11: no event is logged there',
      ]),
    );
    expect(inProcess.problems).toHaveLength(4);
    expect(inChildren).toEqual(inProcess);
  });
});
