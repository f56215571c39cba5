import { eventHash, GENESIS_HASH, type EventContent } from '../src/modules/trace/event-hash';
import { leafHash, verifyConsistency, verifyInclusion } from '../src/modules/trace/merkle';
import fc from 'fast-check';
import { PassportError, verifyPassport } from '../src/modules/trace/passport';
import { generateSignerKey, openCheckpoint, parseSignerKey, parseVerifierKey } from '../src/modules/trace/signed-note';
import { useTestContext } from './helpers/context';
import { createPart, createSeller, loginAdmin, registerUser, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';
import { runVerifier } from './helpers/verifier';

const ctx = useTestContext();

type PartEvent = {
  partId: string;
  seq: number;
  type: string;
  actor: EventContent['actor'];
  occurredAt: string;
  payload: Record<string, unknown>;
  stateHash: string;
  prevHash: string;
  hash: string;
  logIndex: number | null;
};

async function historyOf(partId: string, auth: Record<string, string> = {}): Promise<PartEvent[]> {
  const events: PartEvent[] = [];
  let cursor: string | null = null;
  do {
    const res: { body: { data: PartEvent[]; nextCursor: string | null } } = await ctx.http().get(`/api/v1/parts/${partId}/history`).set(auth).query({ limit: 100, ...(cursor ? { cursor } : {}) }).expect(200);
    events.push(...(res.body.data as PartEvent[]));
    cursor = res.body.nextCursor;
  } while (cursor);
  return events;
}

/** What a client can check with the event alone: its hash, from the fields it shows. */
const recomputed = (e: PartEvent): string => eventHash({ subject: { type: 'part', id: e.partId }, seq: e.seq, type: e.type, actor: e.actor, occurredAt: e.occurredAt, payload: e.payload, stateHash: e.stateHash, prevHash: e.prevHash });

function expectSoundChain(events: PartEvent[]): void {
  events.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
    expect(e.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]?.hash);
    expect(recomputed(e)).toBe(e.hash);
  });
}

const verify = async (partId: string, auth: Record<string, string> = {}) => (await ctx.http().get(`/api/v1/parts/${partId}/verify`).set(auth).expect(200)).body;

let seller: TestUser & { sellerId: string };
let admin: TestUser;

beforeAll(async () => {
  seller = await createSeller(ctx);
  admin = await loginAdmin(ctx);
});

describe("a listing's history", () => {
  it('records every change, in order, each linked to the one before, and verifies', async () => {
    const part = await createPart(ctx, seller);
    await ctx.http().patch(`/api/v1/parts/${part.id}`).set(seller.auth).send({ title: 'Plaquettes de frein avant Bosch', price: { amount: 32900, currency: 'MAD' } }).expect(200);
    await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send({ delta: -2, reason: 'Sold at the counter' }).expect(200);
    await ctx.http().delete(`/api/v1/parts/${part.id}`).set(seller.auth).expect(200);

    const events = await historyOf(part.id);
    expect(events.map((e) => e.type)).toEqual(['part.created', 'part.updated', 'part.price_changed', 'part.stock_adjusted', 'part.withdrawn']);
    expectSoundChain(events);
    expect(events[0]?.actor).toEqual({ type: 'user', userId: seller.id, role: 'seller' });
    expect(events[1]?.payload).toEqual({ changes: { title: { before: 'Plaquettes de frein avant', after: 'Plaquettes de frein avant Bosch' } } });
    expect(events[2]?.payload).toEqual({ before: { amount: 34900, currency: 'MAD' }, after: { amount: 32900, currency: 'MAD' } });
    expect(events[3]?.payload).toEqual({ delta: -2, quantity: 10, reason: 'Sold at the counter' });
    // A withdrawn listing's history stays public: its buyers must be able to check it.
    expect(await verify(part.id)).toEqual({ valid: true, checkedEvents: 5, firstInvalid: null });
  });

  it("keeps a draft's history to its seller", async () => {
    const draft = await createPart(ctx, seller, { status: 'draft' });
    const buyer = await registerUser(ctx, 'buyer');
    await ctx.http().get(`/api/v1/parts/${draft.id}/history`).expect(404);
    await ctx.http().get(`/api/v1/parts/${draft.id}/history`).set(buyer.auth).expect(404);
    await ctx.http().get(`/api/v1/parts/${draft.id}/verify`).set(buyer.auth).expect(404);
    expect(await historyOf(draft.id, seller.auth)).toHaveLength(1);
    await ctx.http().get('/api/v1/parts/0193a5b2-7c1e-7d4f-9a0b-3c2d1e0f4a5b/history').expect(404);
  });

  it('stays valid when the seller is suspended and verified again (the market follows the seller, not the history)', async () => {
    const other = await createSeller(ctx);
    const part = await createPart(ctx, other);
    await ctx.http().post(`/api/v1/admin/sellers/${other.sellerId}/suspend`).set(admin.auth).send({ reason: 'Documents expired' }).expect(200);
    expect(await verify(part.id)).toMatchObject({ valid: true });
    await ctx.http().post(`/api/v1/admin/sellers/${other.sellerId}/verify`).set(admin.auth).send({ reason: 'Documents renewed' }).expect(200);
    expect(await verify(part.id)).toMatchObject({ valid: true });
  });

  it('gives 50 concurrent changes to one listing the numbers 2 to 51, without a fork', async () => {
    const part = await createPart(ctx, seller, { quantity: 500 });
    const results = await Promise.all(Array.from({ length: 50 }, () => ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send({ delta: -1, reason: 'Counter sale' })));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const events = await historyOf(part.id);
    expect(events).toHaveLength(51);
    expectSoundChain(events);
    expect(events.map((e) => e.payload.quantity).slice(1)).toEqual(Array.from({ length: 50 }, (_, i) => 499 - i));
    expect(await verify(part.id)).toMatchObject({ valid: true, checkedEvents: 51 });
  });
});

describe('attested events', () => {
  it('lets the seller attest an inspection with the hash of its report, chained like the rest', async () => {
    const part = await createPart(ctx, seller);
    const res = await ctx
      .http()
      .post(`/api/v1/parts/${part.id}/events`)
      .set(seller.auth)
      .send({ type: 'inspected', description: 'Bench-tested.', attachments: [{ url: 'https://files.example.ma/8841.pdf', sha256: 'a'.repeat(64) }] })
      .expect(201);
    expect(res.body).toMatchObject({ partId: part.id, seq: 2, type: 'part.inspected', payload: { description: 'Bench-tested.', attachments: [{ url: 'https://files.example.ma/8841.pdf', sha256: 'a'.repeat(64) }] } });
    expectSoundChain(await historyOf(part.id));
    expect(await verify(part.id)).toMatchObject({ valid: true, checkedEvents: 2 });
  });

  it('refuses hashes, numbers or times sent by the client, other sellers, buyers, and withdrawn listings', async () => {
    const part = await createPart(ctx, seller);
    const url = `/api/v1/parts/${part.id}/events`;
    for (const extra of [{ hash: 'b'.repeat(64) }, { seq: 7 }, { occurredAt: '2020-01-01T00:00:00.000Z' }]) {
      expectProblem(await ctx.http().post(url).set(seller.auth).send({ type: 'note', description: 'x', ...extra }), 400, 'validation-error');
    }
    expectProblem(await ctx.http().post(url).set(seller.auth).send({ type: 'note', description: 'x', attachments: [{ url: 'http://plain.example/x', sha256: 'a'.repeat(64) }] }), 400, 'validation-error');
    const other = await createSeller(ctx);
    expectProblem(await ctx.http().post(url).set(other.auth).send({ type: 'note', description: 'Not mine' }), 403, 'forbidden');
    const buyer = await registerUser(ctx, 'buyer');
    expectProblem(await ctx.http().post(url).set(buyer.auth).send({ type: 'note', description: 'Not a seller' }), 403, 'forbidden');
    await ctx.http().delete(`/api/v1/parts/${part.id}`).set(seller.auth).expect(200);
    expectProblem(await ctx.http().post(url).set(seller.auth).send({ type: 'note', description: 'Too late' }), 409, 'invalid-state-transition');
    expect((await historyOf(part.id)).map((e) => e.type)).toEqual(['part.created', 'part.withdrawn']);
  });
});

describe('a change whose event cannot be written', () => {
  it('is not made', async () => {
    const part = await createPart(ctx, seller);
    const postgres = ctx.config.database.client === 'postgresql';
    if (postgres) {
      await ctx.db.raw(`CREATE FUNCTION refuse_trace() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'trace store unavailable'; END $$ LANGUAGE plpgsql`);
      await ctx.db.raw('CREATE TRIGGER refuse_trace BEFORE INSERT ON trace_events FOR EACH ROW EXECUTE FUNCTION refuse_trace()');
    } else {
      await ctx.db.raw("CREATE TRIGGER refuse_trace BEFORE INSERT ON trace_events BEGIN SELECT RAISE(ABORT, 'trace store unavailable'); END");
    }
    try {
      expectProblem(await ctx.http().patch(`/api/v1/parts/${part.id}`).set(seller.auth).send({ price: { amount: 100, currency: 'MAD' } }), 500, 'internal-error');
      expectProblem(await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send({ delta: 5, reason: 'Delivery' }), 500, 'internal-error');
    } finally {
      await ctx.db.raw(postgres ? 'DROP TRIGGER refuse_trace ON trace_events' : 'DROP TRIGGER refuse_trace');
      if (postgres) await ctx.db.raw('DROP FUNCTION refuse_trace()');
    }
    const now = (await ctx.http().get(`/api/v1/parts/${part.id}`).expect(200)).body;
    expect(now).toMatchObject({ price: part.price, quantity: part.quantity, version: part.version });
    expect(await verify(part.id)).toMatchObject({ valid: true, checkedEvents: 1 });
  });
});

describe('the log', () => {
  it('signs checkpoints anyone can check with the published key, and proves a listing is in them', async () => {
    const part = await createPart(ctx, seller);
    const first = (await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201)).body;
    const keys = (await ctx.http().get('/api/v1/traceability/keys').expect(200)).body.data;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ current: true });
    const key = parseVerifierKey(keys[0].verifierKey);
    const opened = openCheckpoint(first.note, key);
    expect(opened).toMatchObject({ origin: first.origin, treeSize: first.treeSize });
    expect(opened.root.toString('hex')).toBe(first.rootHash);
    expect((await ctx.http().get('/api/v1/traceability/checkpoints/latest').expect(200)).body).toEqual(first);
    expect((await ctx.http().get(`/api/v1/traceability/checkpoints/${first.treeSize}`).expect(200)).body).toEqual(first);

    // The listing's events are in the log now; the last one's proof leads to the signed root.
    const events = await historyOf(part.id);
    const last = events[events.length - 1] as PartEvent;
    expect(last.logIndex).not.toBeNull();
    const proof = (await ctx.http().get('/api/v1/traceability/proofs/inclusion').query({ logIndex: last.logIndex, treeSize: first.treeSize }).expect(200)).body;
    expect(proof.leafHash).toBe(leafHash(Buffer.from(last.hash, 'hex')).toString('hex'));
    const hashes = (proof.hashes as string[]).map((h) => Buffer.from(h, 'hex'));
    expect(verifyInclusion(last.logIndex as number, first.treeSize, Buffer.from(proof.leafHash, 'hex'), hashes, opened.root)).toBe(true);

    // The log grows; the new checkpoint provably extends the first.
    await ctx.http().post(`/api/v1/parts/${part.id}/stock`).set(seller.auth).send({ delta: 1, reason: 'Return' }).expect(200);
    const second = (await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201)).body;
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    const consistency = (await ctx.http().get('/api/v1/traceability/proofs/consistency').query({ from: first.treeSize, to: second.treeSize }).expect(200)).body;
    const secondRoot = openCheckpoint(second.note, key).root;
    expect(verifyConsistency(first.treeSize, second.treeSize, (consistency.hashes as string[]).map((h) => Buffer.from(h, 'hex')), opened.root, secondRoot)).toBe(true);
    // Nothing new: the same checkpoint again.
    expect((await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201)).body).toEqual(second);

    const audit = (await ctx.http().get('/api/v1/admin/traceability/verify').set(admin.auth).expect(200)).body;
    expect(audit).toMatchObject({ valid: true, problems: [], checkpoints: 2 });
    expect(audit.leaves).toBe(second.treeSize);
  });

  it('answers sizes out of range with a 400 or a 404, never a 500', async () => {
    const { treeSize } = (await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201)).body;
    expectProblem(await ctx.http().get('/api/v1/traceability/proofs/inclusion').query({ logIndex: treeSize, treeSize }), 400, 'validation-error');
    expectProblem(await ctx.http().get('/api/v1/traceability/proofs/inclusion').query({ logIndex: 0, treeSize: treeSize + 1000 }), 404, 'not-found');
    expectProblem(await ctx.http().get('/api/v1/traceability/proofs/inclusion').query({ logIndex: -1, treeSize }), 400, 'validation-error');
    expectProblem(await ctx.http().get('/api/v1/traceability/proofs/consistency').query({ from: treeSize, to: 1 }), 400, 'validation-error');
    expectProblem(await ctx.http().get('/api/v1/traceability/proofs/consistency').query({ from: 1, to: treeSize + 1000 }), 404, 'not-found');
    expectProblem(await ctx.http().get('/api/v1/traceability/checkpoints/123456789'), 404, 'not-found');
    expectProblem(await ctx.http().get('/api/v1/traceability/checkpoints/abc'), 400, 'validation-error');
    const buyer = await registerUser(ctx, 'buyer');
    expectProblem(await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(buyer.auth), 403, 'forbidden');
    expectProblem(await ctx.http().get('/api/v1/admin/traceability/verify').set(seller.auth), 403, 'forbidden');
  });
});

describe('tampering behind the service', () => {
  it('is caught and located: a price edited in the table, an event edited or deleted', async () => {
    const priced = await createPart(ctx, seller);
    await ctx.db('parts').where({ id: priced.id }).update({ price_amount: 100 });
    expect(await verify(priced.id)).toEqual({ valid: false, checkedEvents: 1, firstInvalid: { seq: 1, reason: 'state-mismatch' } });

    const edited = await createPart(ctx, seller);
    await ctx.http().post(`/api/v1/parts/${edited.id}/stock`).set(seller.auth).send({ delta: -1, reason: 'Sale' }).expect(200);
    await ctx.http().post(`/api/v1/parts/${edited.id}/stock`).set(seller.auth).send({ delta: -1, reason: 'Sale' }).expect(200);
    await ctx.db('trace_events').where({ subject_id: edited.id, seq: 2 }).update({ payload_json: JSON.stringify({ delta: -1, quantity: 11, reason: 'Gift' }) });
    expect(await verify(edited.id)).toEqual({ valid: false, checkedEvents: 2, firstInvalid: { seq: 2, reason: 'hash-mismatch' } });

    const cut = await createPart(ctx, seller);
    await ctx.http().post(`/api/v1/parts/${cut.id}/stock`).set(seller.auth).send({ delta: -1, reason: 'Sale' }).expect(200);
    await ctx.http().post(`/api/v1/parts/${cut.id}/stock`).set(seller.auth).send({ delta: -1, reason: 'Sale' }).expect(200);
    await ctx.db('trace_events').where({ subject_id: cut.id, seq: 2 }).delete();
    expect(await verify(cut.id)).toEqual({ valid: false, checkedEvents: 2, firstInvalid: { seq: 3, reason: 'sequence-gap' } });
  });
});

const failingStep = (passport: unknown, key: string): string => {
  try {
    verifyPassport(passport, key);
    return 'none';
  } catch (err) {
    if (err instanceof PassportError) return err.step;
    throw err;
  }
};

describe("a listing's passport", () => {
  it('waits for a signed checkpoint, then verifies offline, and names the step a damaged one fails at', async () => {
    const part = await createPart(ctx, seller);
    await ctx.http().post(`/api/v1/parts/${part.id}/events`).set(seller.auth).send({ type: 'certified', description: 'Bosch certified reconditioning.' }).expect(201);
    const pending = await ctx.http().get(`/api/v1/parts/${part.id}/passport`);
    expectProblem(pending, 409, 'not-yet-logged');
    expect(Number(pending.headers['retry-after'])).toBeGreaterThan(0);

    await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201);
    const passport = (await ctx.http().get(`/api/v1/parts/${part.id}/passport`).expect(200)).body;
    const key = (await ctx.http().get('/api/v1/traceability/keys').expect(200)).body.data.at(-1).verifierKey as string;
    expect(verifyPassport(passport, key)).toMatchObject({ partId: part.id, events: 2 });

    const ok = await runVerifier(passport, key);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.output).toMatch(/^valid: listing /);
    const otherKey = parseSignerKey(generateSignerKey(parseVerifierKey(key).name)).text;
    const forged = await runVerifier({ ...passport, key: { ...passport.key, verifierKey: otherKey, keyId: parseVerifierKey(otherKey).keyId } }, otherKey);
    expect(forged.code).toBe(1);
    expect(forged.output).toMatch(/INVALID at step "checkpoint"/);
    expect((await runVerifier(passport, 'not-a-key')).output).toMatch(/INVALID at step "key"/);

    const truncated = { ...passport, inclusionProof: { ...passport.inclusionProof, hashes: passport.inclusionProof.hashes.slice(0, -1) } };
    expect(failingStep(truncated, key)).toBe('inclusion');
    const resized = { ...passport, inclusionProof: { ...passport.inclusionProof, treeSize: passport.inclusionProof.treeSize + 1 } };
    expect(failingStep(resized, key)).toBe('inclusion');
    expect(failingStep({ ...passport, events: passport.events.slice(1) }, key)).toBe('events');
    expect(failingStep({ ...passport, snapshot: { ...passport.snapshot, quantity: 0 } }, key)).toBe('snapshot');
    expect(failingStep({ ...passport, extra: true }, key)).toBe('format');
  });

  it('rejects a passport with any one bit flipped, anywhere', async () => {
    const part = await createPart(ctx, seller);
    await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201);
    const passport = (await ctx.http().get(`/api/v1/parts/${part.id}/passport`).expect(200)).body;
    const key = (await ctx.http().get('/api/v1/traceability/keys').expect(200)).body.data.at(-1).verifierKey as string;
    const bytes = Buffer.from(JSON.stringify(passport), 'utf8');
    expect(failingStep(JSON.parse(bytes.toString('utf8')), key)).toBe('none');
    fc.assert(
      fc.property(fc.nat(bytes.length * 8 - 1), (bit) => {
        const flipped = Buffer.from(bytes);
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        let parsed: unknown;
        try {
          parsed = JSON.parse(flipped.toString('utf8'));
        } catch {
          return; // no longer JSON: nothing to accept
        }
        expect(failingStep(parsed, key)).not.toBe('none');
      }),
      { numRuns: 400 },
    );
  });
});
