import type request from 'supertest';
import { useTestContext } from './helpers/context';
import { loginAdmin, PASSWORD, registerUser, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';

const ctx = useTestContext();
let admin: TestUser;
beforeAll(async () => {
  admin = await loginAdmin(ctx);
});

const reason = { reason: 'Fraudulent listings reported' };

describe('GET /api/v1/admin/users', () => {
  it('is for admins only', async () => {
    const buyer = await registerUser(ctx);
    expectProblem(await ctx.http().get('/api/v1/admin/users').set(buyer.auth), 403, 'forbidden');
    expectProblem(await ctx.http().get('/api/v1/admin/users'), 401, 'unauthorized');
  });

  it('pages through every account exactly once, newest first', async () => {
    for (let i = 0; i < 5; i += 1) await registerUser(ctx);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await ctx.http().get('/api/v1/admin/users').query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(admin.auth).expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((u: { id: string }) => u.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = (await ctx.db('users').select('id').orderBy('id', 'desc')).map((r: { id: string }) => r.id);
    expect(seen).toEqual(all);
  });

  it('does not repeat or skip when accounts are created between pages', async () => {
    const first = await ctx.http().get('/api/v1/admin/users?limit=3').set(admin.auth).expect(200);
    await registerUser(ctx);
    const second = await ctx.http().get('/api/v1/admin/users').query({ limit: 3, cursor: first.body.nextCursor }).set(admin.auth).expect(200);
    const ids = [...first.body.data, ...second.body.data].map((u: { id: string }) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    const expected = (await ctx.db('users').select('id').orderBy('id', 'desc')).map((r: { id: string }) => r.id).slice(1, 7);
    expect(ids).toEqual(expected);
  });

  it('filters by role and status', async () => {
    await registerUser(ctx, 'seller');
    const sellers = await ctx.http().get('/api/v1/admin/users?role=seller&limit=100').set(admin.auth).expect(200);
    expect(sellers.body.data.length).toBeGreaterThan(0);
    expect(sellers.body.data.every((u: { role: string }) => u.role === 'seller')).toBe(true);
    const admins = await ctx.http().get('/api/v1/admin/users?role=admin&status=active').set(admin.auth).expect(200);
    expect(admins.body.data.map((u: { id: string }) => u.id)).toEqual([admin.id]);
  });

  it('refuses a forged cursor, an out-of-range limit and an unknown role', async () => {
    const forged = Buffer.from('{"offset":10}').toString('base64url');
    expectProblem(await ctx.http().get(`/api/v1/admin/users?cursor=${forged}`).set(admin.auth), 400, 'invalid-cursor');
    expectProblem(await ctx.http().get('/api/v1/admin/users?cursor=%%%').set(admin.auth), 400, 'validation-error');
    expectProblem(await ctx.http().get('/api/v1/admin/users?limit=1000').set(admin.auth), 400, 'validation-error');
    expectProblem(await ctx.http().get('/api/v1/admin/users?limit=0').set(admin.auth), 400, 'validation-error');
    expectProblem(await ctx.http().get('/api/v1/admin/users?role=root').set(admin.auth), 400, 'validation-error');
  });
});

describe('suspending and reactivating accounts', () => {
  it('stops a suspended user at once, access and refresh tokens alike', async () => {
    const user = await registerUser(ctx);
    const res = await ctx.http().post(`/api/v1/admin/users/${user.id}/suspend`).set(admin.auth).send(reason).expect(200);
    expect(res.body.status).toBe('suspended');
    expectProblem(await ctx.http().get('/api/v1/me').set(user.auth), 401, 'unauthorized');
    expectProblem(await ctx.http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }), 401, 'invalid-refresh-token');
    // The login answer is the one a wrong password gets: it does not confirm the password.
    const right = await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD });
    const wrong = await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: 'not-the-password-42' });
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(expectProblem(right, 401, 'invalid-credentials'))).toEqual(strip(expectProblem(wrong, 401, 'invalid-credentials')));
  });

  it('lets a reactivated user log in again, but not reuse old tokens', async () => {
    const user = await registerUser(ctx);
    // No pause: tokens issued in the same millisecond as the suspension are revoked too.
    await ctx.http().post(`/api/v1/admin/users/${user.id}/suspend`).set(admin.auth).send(reason).expect(200);
    const res = await ctx.http().post(`/api/v1/admin/users/${user.id}/reactivate`).set(admin.auth).send({ reason: 'Appeal accepted' }).expect(200);
    expect(res.body.status).toBe('active');
    expectProblem(await ctx.http().get('/api/v1/me').set(user.auth), 401, 'unauthorized');
    expectProblem(await ctx.http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }), 401, 'invalid-refresh-token');
    await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
  });

  it('refuses meaningless transitions, unknown users and self-suspension', async () => {
    const user = await registerUser(ctx);
    expectProblem(await ctx.http().post(`/api/v1/admin/users/${user.id}/reactivate`).set(admin.auth).send(reason), 409, 'invalid-state-transition');
    expectProblem(await ctx.http().post('/api/v1/admin/users/0193a5b2-7c1e-7d4f-9a0b-3c2d1e0f4a5b/suspend').set(admin.auth).send(reason), 404, 'not-found');
    expectProblem(await ctx.http().post('/api/v1/admin/users/not-a-uuid/suspend').set(admin.auth).send(reason), 400, 'validation-error');
    expectProblem(await ctx.http().post(`/api/v1/admin/users/${admin.id}/suspend`).set(admin.auth).send(reason), 409, 'invalid-state-transition');
    expectProblem(await ctx.http().post(`/api/v1/admin/users/${user.id}/suspend`).set(admin.auth).send({}), 400, 'validation-error');
  });

  it('is for admins only', async () => {
    const user = await registerUser(ctx);
    const other = await registerUser(ctx);
    expectProblem(await ctx.http().post(`/api/v1/admin/users/${other.id}/suspend`).set(user.auth).send(reason), 403, 'forbidden');
    expect((await ctx.db('users').where({ id: other.id }).first()).status).toBe('active');
  });
});
