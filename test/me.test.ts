import { useTestContext } from './helpers/context';
import { login, PASSWORD, registerUser } from './helpers/factories';
import { expectProblem, fieldPaths } from './helpers/problems';

const ctx = useTestContext();

describe('GET/PATCH /api/v1/me', () => {
  it('returns the caller, never another user', async () => {
    const amina = await registerUser(ctx, 'buyer', 'Amina');
    await registerUser(ctx, 'buyer', 'Karim');
    const res = await ctx.http().get('/api/v1/me').set(amina.auth).expect(200);
    expect(res.body).toMatchObject({ id: amina.id, displayName: 'Amina', role: 'buyer' });
  });

  it('gives times as RFC 3339 UTC with milliseconds on every database', async () => {
    const user = await registerUser(ctx);
    const res = await ctx.http().get('/api/v1/me').set(user.auth).expect(200);
    for (const time of [res.body.createdAt, res.body.updatedAt]) expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('changes the display name', async () => {
    const user = await registerUser(ctx);
    const res = await ctx.http().patch('/api/v1/me').set(user.auth).send({ displayName: 'New Name' }).expect(200);
    expect(res.body.displayName).toBe('New Name');
    expect((await ctx.http().get('/api/v1/me').set(user.auth)).body.displayName).toBe('New Name');
  });

  it.each([['role', 'admin'], ['status', 'active'], ['id', '0193a5b2-7c1e-7d4f-9a0b-3c2d1e0f4a5b'], ['email', 'x@example.ma']])(
    'refuses to let a user set %s on themselves',
    async (field, value) => {
      const user = await registerUser(ctx);
      expectProblem(await ctx.http().patch('/api/v1/me').set(user.auth).send({ displayName: 'Sneaky', [field]: value }), 400, 'validation-error');
      const row = await ctx.db('users').where({ id: user.id }).first();
      expect(row).toMatchObject({ role: 'buyer', status: 'active', display_name: 'Test User' });
    },
  );

  it('refuses an empty patch and requires a token', async () => {
    const user = await registerUser(ctx);
    expectProblem(await ctx.http().patch('/api/v1/me').set(user.auth).send({}), 400, 'validation-error');
    expectProblem(await ctx.http().patch('/api/v1/me').send({ displayName: 'x' }), 401, 'unauthorized');
  });
});

describe('POST /api/v1/me/password', () => {
  it('changes the password and ends every session', async () => {
    const user = await registerUser(ctx);
    const otherDevice = await login(ctx, user.email, PASSWORD);
    await ctx.http().post('/api/v1/me/password').set(user.auth).send({ currentPassword: PASSWORD, newPassword: 'a-brand-new-passphrase' }).expect(204);
    expectProblem(await ctx.http().post('/api/v1/auth/refresh').send({ refreshToken: otherDevice.refreshToken }), 401, 'invalid-refresh-token');
    expectProblem(await ctx.http().get('/api/v1/me').set(otherDevice.auth), 401, 'unauthorized');
    expectProblem(await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD }), 401, 'invalid-credentials');
    await login(ctx, user.email, 'a-brand-new-passphrase');
  });

  it('requires the current password', async () => {
    const user = await registerUser(ctx);
    expectProblem(
      await ctx.http().post('/api/v1/me/password').set(user.auth).send({ currentPassword: 'not-my-password', newPassword: 'a-brand-new-passphrase' }),
      401,
      'invalid-credentials',
    );
    await login(ctx, user.email, PASSWORD);
  });

  it('applies the password rules to the new password', async () => {
    const user = await registerUser(ctx);
    expectProblem(await ctx.http().post('/api/v1/me/password').set(user.auth).send({ currentPassword: PASSWORD, newPassword: 'short' }), 400, 'validation-error');
    const weak = await ctx.http().post('/api/v1/me/password').set(user.auth).send({ currentPassword: PASSWORD, newPassword: 'password1234' });
    expectProblem(weak, 400, 'weak-password');
    expect(fieldPaths(weak)).toEqual(['/body/newPassword']);
    await login(ctx, user.email, PASSWORD);
  });

  it('revokes, exactly, tokens refreshed in a loop while the password changes', async () => {
    const user = await registerUser(ctx);
    const attacker = await login(ctx, user.email, PASSWORD);
    // The attacker keeps refreshing, as fast as it can, while the victim changes the password.
    let refreshToken = attacker.refreshToken;
    const minted: string[] = [];
    let changed = false;
    const loop = (async () => {
      while (!changed) {
        const res = await ctx.http().post('/api/v1/auth/refresh').send({ refreshToken });
        if (res.status !== 200) break;
        refreshToken = res.body.refreshToken;
        minted.push(res.body.accessToken);
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    await ctx.http().post('/api/v1/me/password').set(user.auth).send({ currentPassword: PASSWORD, newPassword: 'a-brand-new-passphrase' }).expect(204);
    changed = true;
    await loop;
    expect(minted.length).toBeGreaterThan(0);
    for (const token of minted) expect((await ctx.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await ctx.http().post('/api/v1/auth/refresh').send({ refreshToken })).status).toBe(401);
  });
});
