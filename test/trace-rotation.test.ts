import pino from 'pino';
import { startSequencer } from '../src/runtime/sequencer';
import { createTraceService } from '../src/modules/trace/service';
import { generateSignerKey, openCheckpoint, parseVerifierKey } from '../src/modules/trace/signed-note';
import { useTestContext } from './helpers/context';
import { createPart, createSeller, loginAdmin } from './helpers/factories';

const ctx = useTestContext();

describe('rotating the checkpoint key', () => {
  it('announces the new key in the log; checkpoints signed before still verify with the old one', async () => {
    const seller = await createSeller(ctx);
    const admin = await loginAdmin(ctx);
    await createPart(ctx, seller);
    const before = (await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201)).body;

    // The operator puts a new key in TRACE_SIGNING_KEY and restarts: a service on the new config.
    const rotated = createTraceService(ctx.db, { ...ctx.config, trace: { ...ctx.config.trace, signingKey: generateSignerKey(ctx.config.trace.origin) } }, ctx.clock);
    await createPart(ctx, seller);
    const after = await rotated.checkpoint();

    const keys = (await ctx.http().get('/api/v1/traceability/keys').expect(200)).body.data as { verifierKey: string; current: boolean }[];
    expect(keys.map((k) => k.current)).toEqual([false, true]);
    const [oldKey, newKey] = keys.map((k) => parseVerifierKey(k.verifierKey));
    expect(openCheckpoint(before.note, oldKey as ReturnType<typeof parseVerifierKey>).treeSize).toBe(before.treeSize);
    expect(openCheckpoint(after.note, newKey as ReturnType<typeof parseVerifierKey>).treeSize).toBe(after.treeSize);
    expect(() => openCheckpoint(before.note, newKey as ReturnType<typeof parseVerifierKey>)).toThrow(/no valid signature/);
    // The rotation is an event of the log's own chain, logged like any other.
    expect((await rotated.chain({ type: 'log', id: ctx.config.trace.origin })).map((e) => e.type)).toEqual(['log.key_added', 'log.key_added']);
    await rotated.checkpoint();
    expect(await rotated.auditLog()).toMatchObject({ valid: true, problems: [] });
  });
});

describe("the sequencer's timer", () => {
  it('takes new events into the log and signs a checkpoint by itself', async () => {
    const seller = await createSeller(ctx);
    const part = await createPart(ctx, seller);
    const trace = createTraceService(ctx.db, ctx.config, ctx.clock);
    const config = { ...ctx.config, trace: { ...ctx.config.trace, integrateIntervalMs: 20, checkpointEvery: 1 } };
    const sequencer = startSequencer(trace, config, pino({ level: 'silent' }));
    try {
      let passport = await ctx.http().get(`/api/v1/parts/${part.id}/passport`);
      for (let i = 0; i < 100 && passport.status !== 200; i += 1) {
        await new Promise((r) => setTimeout(r, 20));
        passport = await ctx.http().get(`/api/v1/parts/${part.id}/passport`);
      }
      expect(passport.status).toBe(200);
      expect(passport.body.events).toHaveLength(1);
    } finally {
      await sequencer.stop();
    }
  });
});
