import { eventHash } from '../../src/modules/trace/event-hash';
import { createTraceService, type TraceEvent } from '../../src/modules/trace/service';
import type { TestContext } from './context';
import { createPart, createSeller, loginAdmin, type TestUser } from './factories';

/**
 * What the tampering tests share: a seller and an admin, listings whose history is logged and
 * checkpointed, the checks a client runs, and the insider's tool (an event rewritten with a
 * matching hash).
 */
export function tamperKit(ctx: TestContext) {
  let seller: TestUser & { sellerId: string };
  let admin: TestUser;
  beforeAll(async () => {
    seller = await createSeller(ctx);
    admin = await loginAdmin(ctx);
  });
  const trace = () => createTraceService(ctx.db, ctx.config, ctx.clock);
  const kit = {
    seller: () => seller,
    checkpoint: async () => (await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201)).body as { treeSize: number; rootHash: string; note: string },
    verify: async (partId: string) => (await ctx.http().get(`/api/v1/parts/${partId}/verify`).expect(200)).body,
    audit: async () => (await ctx.http().get('/api/v1/admin/traceability/verify').set(admin.auth).expect(200)).body as { valid: boolean; problems: string[] },
    chain: (partId: string) => trace().chain({ type: 'part', id: partId }),

    /** A listing with `changes` stock adjustments after its creation, all logged and checkpointed. */
    async loggedPart(changes: number): Promise<string> {
      const part = await createPart(ctx, seller, { quantity: 100 });
      for (let i = 0; i < changes; i += 1) await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send({ delta: -1, reason: `Sale ${i + 1}` }).expect(200);
      await kit.checkpoint();
      return part.id;
    },

    /** What an insider writes to make an event look right: its hash recomputed from its new content. */
    async rewrite(partId: string, seq: number, change: (event: TraceEvent) => TraceEvent): Promise<TraceEvent> {
      const events = await kit.chain(partId);
      const changed = change(events[seq - 1] as TraceEvent);
      const hash = eventHash(changed);
      await ctx.db('trace_events').where({ subject_type: 'part', subject_id: partId, seq }).update({ seq: changed.seq, payload_json: JSON.stringify(changed.payload), prev_hash: changed.prevHash, hash });
      return { ...changed, hash };
    },
  };
  return kit;
}
