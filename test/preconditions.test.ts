import { useTestContext } from './helpers/context';
import { createPart, createSeller, loginAdmin, profileInput, registerUser, type TestUser } from './helpers/factories';
import { expectProblem, fieldPaths } from './helpers/problems';

const ctx = useTestContext();
let seller: TestUser & { sellerId: string };
beforeAll(async () => {
  seller = await createSeller(ctx);
});

const patchPart = (id: string, body: Record<string, unknown>, ifMatch?: string) => {
  const req = ctx.http().patch(`/api/v1/parts/${id}`).set(seller.auth);
  return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)).send(body);
};

describe('If-Match', () => {
  it('compares strongly: a weak tag never matches, even of the current version', async () => {
    const part = await createPart(ctx, seller);
    expectProblem(await patchPart(part.id, { title: 'Weakly matched' }, 'W/"1"'), 412, 'precondition-failed');
    await patchPart(part.id, { title: 'Strongly matched' }, 'W/"9", "1"').expect(200);
    await patchPart(part.id, { title: 'Any version' }, '*').expect(200);
  });

  it.each(['2', '"2', 'W/2', '"2",,"3"'])('refuses the unquoted or broken tag %s with a 400 saying tags are quoted', async (value) => {
    const part = await createPart(ctx, seller);
    const res = await patchPart(part.id, { title: 'Never applied' }, value);
    expectProblem(res, 400, 'validation-error');
    expect(fieldPaths(res)).toEqual(['/headers/if-match']);
    expect(res.body.errors[0].message).toMatch(/quoted/);
    expect((await ctx.http().get(`/api/v1/parts/${part.id}`)).body.version).toBe(1);
  });
});

describe('last write wins without If-Match, as the contract says', () => {
  it('applies 20 concurrent patches of one listing one after another, none refused', async () => {
    const part = await createPart(ctx, seller);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => patchPart(part.id, { warrantyMonths: i + 1 })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect((await ctx.http().get(`/api/v1/parts/${part.id}`)).body.version).toBe(21);
  });

  it('applies 10 concurrent seller-profile patches, none refused', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ctx.http().patch('/api/v1/me/seller-profile').set(seller.auth).send({ phone: `+21260000000${i}` })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect((await ctx.http().get('/api/v1/me/seller-profile').set(seller.auth)).headers.etag).toBe('"12"');
  });

  it('creates one seller profile from concurrent first PUTs; the others replace it, none fails', async () => {
    const newcomer = await registerUser(ctx, 'seller');
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => ctx.http().put('/api/v1/me/seller-profile').set(newcomer.auth).send(profileInput({ phone: `+21261000000${i}` }))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(await ctx.db('seller_profiles').where({ user_id: newcomer.id })).toHaveLength(1);
  });

  it('still refuses every stale If-Match among concurrent ones: exactly one "1" wins', async () => {
    const part = await createPart(ctx, seller);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => patchPart(part.id, { warrantyMonths: i + 1 }, '"1"')));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
  });
});

describe('only verified sellers write listings', () => {
  it('stops a suspended seller: no edit, publish, withdraw or restock', async () => {
    const other = await createSeller(ctx);
    const active = await createPart(ctx, other);
    const draft = await createPart(ctx, other, { status: 'draft' });
    const admin = await loginAdmin(ctx);
    await ctx.http().post(`/api/v1/admin/sellers/${other.sellerId}/suspend`).set(admin.auth).send({ reason: 'Documents expired' }).expect(200);
    const writes = [
      ctx.http().patch(`/api/v1/parts/${active.id}`).set(other.auth).send({ title: 'Edited while suspended' }),
      ctx.http().patch(`/api/v1/parts/${draft.id}`).set(other.auth).send({ status: 'active' }),
      ctx.http().post(`/api/v1/parts/${active.id}/stock`).set(other.auth).send({ delta: 5, reason: 'restock' }),
      ctx.http().delete(`/api/v1/parts/${active.id}`).set(other.auth),
    ];
    for (const res of await Promise.all(writes)) expectProblem(res, 403, 'seller-not-verified');
    const stored = await ctx.db('parts').whereIn('id', [active.id, draft.id]).orderBy('id');
    expect(stored.map((p: { version: number; status: string }) => [p.version, p.status])).toEqual([
      [1, 'active'],
      [1, 'draft'],
    ]);
  });

  it('stops a seller whose identity change sent the profile back to review', async () => {
    const other = await createSeller(ctx);
    const part = await createPart(ctx, other);
    await ctx.http().patch('/api/v1/me/seller-profile').set(other.auth).send({ legalName: 'Another Company SARL' }).expect(200);
    expectProblem(await ctx.http().patch(`/api/v1/parts/${part.id}`).set(other.auth).send({ title: 'Edited while pending' }), 403, 'seller-not-verified');
  });
});
