import { eventHash } from '../src/modules/trace/event-hash';
import type { TraceEvent } from '../src/modules/trace/service';
import { useTestContext } from './helpers/context';
import { tamperKit } from './helpers/tamper';

/**
 * Raw SQL behind the service's back, as someone with write access to the database would do it.
 * Each change must be caught, and located: by the listing's check, by the whole-log audit, or, for
 * a rewrite made consistent everywhere, by a checkpoint kept outside.
 */
const ctx = useTestContext();

const { verify, audit, chain, loggedPart, rewrite } = tamperKit(ctx);

describe('tampering with a history', () => {
  it('catches two events swapped, at the first of them', async () => {
    const id = await loggedPart(3);
    await ctx.db('trace_events').where({ subject_id: id, seq: 2 }).update({ seq: 99 });
    await ctx.db('trace_events').where({ subject_id: id, seq: 3 }).update({ seq: 2 });
    await ctx.db('trace_events').where({ subject_id: id, seq: 99 }).update({ seq: 3 });
    expect(await verify(id)).toEqual({ valid: false, checkedEvents: 2, firstInvalid: { seq: 2, reason: 'hash-mismatch' } });
  });

  it('catches a forged event slipped in and the rest rehashed after it, against the log', async () => {
    const id = await loggedPart(2);
    // Events 2 and 3 become 3 and 4; a forged event 2 takes their place, every hash made to match.
    await ctx.db('trace_events').where({ subject_id: id, seq: 3 }).update({ seq: 4 });
    await ctx.db('trace_events').where({ subject_id: id, seq: 2 }).update({ seq: 3 });
    const [first] = await chain(id);
    const forged = { subject: { type: 'part' as const, id }, seq: 2, type: 'part.note', actor: { type: 'system' as const }, occurredAt: new Date().toISOString(), payload: { description: 'Bench-tested by the manufacturer' }, stateHash: (first as TraceEvent).stateHash, prevHash: (first as TraceEvent).hash };
    const forgedHash = eventHash(forged);
    await ctx.db('trace_events').insert({ id: '019dca2d-7530-7374-89ec-7b54818a0000', subject_type: 'part', subject_id: id, seq: 2, type: forged.type, actor_json: JSON.stringify(forged.actor), occurred_at: forged.occurredAt, payload_json: JSON.stringify(forged.payload), state_hash: forged.stateHash, prev_hash: forged.prevHash, hash: forgedHash, log_index: null });
    const third = await rewrite(id, 3, (e) => ({ ...e, seq: 3, prevHash: forgedHash }));
    await rewrite(id, 4, (e) => ({ ...e, seq: 4, prevHash: third.hash }));
    // The chain reads as sound, but event 3 was logged under another hash.
    expect(await verify(id)).toEqual({ valid: false, checkedEvents: 3, firstInvalid: { seq: 3, reason: 'log-mismatch' } });
  });

  it('catches the tail of the log cut off, in the audit and in the listing', async () => {
    const id = await loggedPart(3);
    // (The tests above left other damage for the audit to find; none of it is a cut.)
    expect((await audit()).problems.join('\n')).not.toMatch(/the log was cut/);
    // The last two leaves go, with their events and everything that would show they were there.
    const state = (await ctx.db('trace_log_state').first()) as { tree_size: number | string };
    const size = Number(state.tree_size);
    await ctx.db('trace_events').where({ subject_id: id }).where('seq', '>', 2).delete();
    await ctx.db('trace_tree_nodes').where('level', 0).where('idx', '>=', size - 2).delete();
    await ctx.db('trace_log_state').update({ tree_size: size - 2 });
    expect((await verify(id)).firstInvalid).toEqual({ seq: 2, reason: 'state-mismatch' });
    const after = await audit();
    expect(after.valid).toBe(false);
    expect(after.problems.join('\n')).toMatch(new RegExp(`checkpoint at ${size}: the tree has only ${size - 2} leaves \\(the log was cut\\)`));
  });
});
