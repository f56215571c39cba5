import jwt from 'jsonwebtoken';
import { useTestContext } from './helpers/context';
import { login, PASSWORD, registerUser } from './helpers/factories';
import { expectProblem, fieldPaths } from './helpers/problems';

const ctx = useTestContext({ LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: '600' });

const register = (body: Record<string, unknown>) => ctx.http().post('/api/v1/auth/register').send(body);

describe('POST /api/v1/auth/register', () => {
  it('creates an account with a normalised email and never returns the password hash', async () => {
    const res = await register({ email: '  Amina@Example.MA ', password: PASSWORD, displayName: 'Amina', role: 'buyer' });
    expect(res.status).toBe(400); // surrounding spaces are not an email
    // A name is stored as sent: surrounding spaces are refused rather than silently trimmed.
    expect(fieldPaths(await register({ email: 'Amina@Example.MA', password: PASSWORD, displayName: ' Amina ', role: 'buyer' }))).toEqual(['/body/displayName']);
    const ok = await register({ email: 'Amina@Example.MA', password: PASSWORD, displayName: 'Amina', role: 'buyer' }).expect(201);
    expect(ok.body).toMatchObject({ email: 'amina@example.ma', displayName: 'Amina', role: 'buyer', status: 'active' });
    expect(JSON.stringify(ok.body)).not.toMatch(/password|scrypt/i);
    const stored = await ctx.db('users').where({ id: ok.body.id }).first();
    expect(stored.password_hash).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(stored.password_hash).not.toContain(PASSWORD);
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    await register({ email: 'dup@example.ma', password: PASSWORD, displayName: 'One', role: 'buyer' }).expect(201);
    expectProblem(await register({ email: 'DUP@example.ma', password: PASSWORD, displayName: 'Two', role: 'seller' }), 409, 'email-taken');
    expect(await ctx.db('users').where({ email: 'dup@example.ma' })).toHaveLength(1);
  });

  it('enforces 12 to 128 characters of password', async () => {
    const base = { email: 'pw@example.ma', displayName: 'Pw', role: 'buyer' };
    expect(fieldPaths(await register({ ...base, password: 'x'.repeat(11) }))).toEqual(['/body/password']);
    expect(fieldPaths(await register({ ...base, password: 'x'.repeat(129) }))).toEqual(['/body/password']);
    await register({ ...base, password: 'twelve chars' }).expect(201);
  });

  it.each([['role', 'admin'], ['status', 'suspended'], ['id', '0193a5b2-7c1e-7d4f-9a0b-3c2d1e0f4a5b']])(
    'refuses %s in the body (mass assignment) and stores nothing',
    async (field, value) => {
      const email = `mass-${field}@example.ma`;
      const body = { email, password: PASSWORD, displayName: 'Mass', role: 'buyer', [field]: value };
      expectProblem(await register(body), 400, 'validation-error');
      expect(await ctx.db('users').where({ email })).toHaveLength(0);
    },
  );
});

describe('POST /api/v1/auth/login', () => {
  it('returns a bearer token pair that is not cached', async () => {
    const user = await registerUser(ctx);
    const res = await ctx.http().post('/api/v1/auth/login').send({ email: user.email.toUpperCase(), password: PASSWORD }).expect(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(res.headers['cache-control']).toBe('no-store');
    const claims = jwt.decode(res.body.accessToken, { complete: true }) as jwt.Jwt;
    expect(claims.header.alg).toBe('HS256');
    expect(claims.payload).toMatchObject({ iss: 'otomoto', aud: 'otomoto-api', sub: user.id, role: 'buyer' });
    const payload = claims.payload as jwt.JwtPayload;
    expect((payload.exp as number) - (payload.iat as number)).toBe(900);
  });

  it('gives the same answer for an unknown email and a wrong password', async () => {
    const user = await registerUser(ctx);
    const unknown = await ctx.http().post('/api/v1/auth/login').send({ email: 'nobody@example.ma', password: PASSWORD });
    const wrong = await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: 'wrong-password-123' });
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(expectProblem(unknown, 401, 'invalid-credentials'))).toEqual(strip(expectProblem(wrong, 401, 'invalid-credentials')));
  });

  it('throttles repeated failures for one email and client with 429 and Retry-After, even with the right password', async () => {
    const user = await registerUser(ctx);
    for (let i = 0; i < 3; i += 1) {
      expectProblem(await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: 'wrong-password-123' }), 401, 'invalid-credentials');
    }
    const blocked = await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD });
    expectProblem(blocked, 429, 'too-many-requests');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(500);
    // Another account from the same client is not locked out.
    const other = await registerUser(ctx);
    await ctx.http().post('/api/v1/auth/login').send({ email: other.email, password: PASSWORD }).expect(200);
  });

  it('lets a user in again once the window has passed', async () => {
    const user = await registerUser(ctx);
    for (let i = 0; i < 3; i += 1) await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: 'wrong-password-123' });
    expectProblem(await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD }), 429, 'too-many-requests');
    ctx.clock.advance(ctx.config.loginThrottle.windowSeconds * 1000);
    await ctx.http().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
  });
});

describe('caching of answers about an account', () => {
  it('marks every answer to a request with credentials no-store, errors included, and leaves public reads cacheable', async () => {
    const user = await registerUser(ctx);
    expect((await ctx.http().get('/api/v1/me').set(user.auth).expect(200)).headers['cache-control']).toBe('no-store');
    expect((await ctx.http().get('/api/v1/parts').set(user.auth).expect(200)).headers['cache-control']).toBe('no-store');
    expect((await ctx.http().get('/api/v1/me').set('Authorization', 'Bearer nope')).headers['cache-control']).toBe('no-store');
    expect((await ctx.http().get('/api/v1/admin/users').set(user.auth).expect(403)).headers['cache-control']).toBe('no-store');
    expect((await ctx.http().get('/api/v1/parts').expect(200)).headers['cache-control']).toBeUndefined();
  });
});

describe('access token attacks', () => {
  const secret = () => ctx.config.jwt.secret;
  const claims = (sub: string) => ({ sub, role: 'buyer', gen: 0, iss: 'otomoto', aud: 'otomoto-api' });
  const me = (token: string) => ctx.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`);
  let userId: string;
  beforeAll(async () => {
    userId = (await registerUser(ctx)).id;
  });

  it('accepts a well-formed token (control)', async () => {
    await me(jwt.sign(claims(userId), secret(), { algorithm: 'HS256', expiresIn: 60 })).expect(200);
  });

  it('refuses no token and a non-bearer scheme with WWW-Authenticate', async () => {
    const none = await ctx.http().get('/api/v1/me');
    expectProblem(none, 401, 'unauthorized');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expectProblem(await ctx.http().get('/api/v1/me').set('Authorization', 'Basic YTpi'), 401, 'unauthorized');
  });

  it('refuses a token without exp', async () => {
    expectProblem(await me(jwt.sign(claims(userId), secret(), { algorithm: 'HS256' })), 401, 'unauthorized');
  });

  it('refuses alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ ...claims(userId), exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    expectProblem(await me(`${header}.${body}.`), 401, 'unauthorized');
  });

  it('refuses another algorithm signed with the same secret', async () => {
    expectProblem(await me(jwt.sign(claims(userId), secret(), { algorithm: 'HS512', expiresIn: 60 })), 401, 'unauthorized');
  });

  it('refuses a bad signature', async () => {
    expectProblem(await me(jwt.sign(claims(userId), 'another-secret-that-is-long-enough-000', { algorithm: 'HS256', expiresIn: 60 })), 401, 'unauthorized');
  });

  it('refuses a wrong audience or issuer', async () => {
    expectProblem(await me(jwt.sign({ ...claims(userId), aud: 'someone-else' }, secret(), { algorithm: 'HS256', expiresIn: 60 })), 401, 'unauthorized');
    expectProblem(await me(jwt.sign({ ...claims(userId), iss: 'evil' }, secret(), { algorithm: 'HS256', expiresIn: 60 })), 401, 'unauthorized');
  });

  it('refuses an expired token', async () => {
    const expired = jwt.sign({ ...claims(userId), exp: Math.floor(Date.now() / 1000) - 5 }, secret(), { algorithm: 'HS256' });
    expectProblem(await me(expired), 401, 'unauthorized');
  });

  it('refuses a token of a suspended user at once', async () => {
    const token = jwt.sign(claims(userId), secret(), { algorithm: 'HS256', expiresIn: 60 });
    await ctx.db('users').where({ id: userId }).update({ status: 'suspended' });
    expectProblem(await me(token), 401, 'unauthorized');
    await ctx.db('users').where({ id: userId }).update({ status: 'active' });
  });

  it('does not let a token claim a role the account does not have', async () => {
    const forged = jwt.sign({ ...claims(userId), role: 'admin' }, secret(), { algorithm: 'HS256', expiresIn: 60 });
    expectProblem(await ctx.http().get('/api/v1/admin/users').set('Authorization', `Bearer ${forged}`), 403, 'forbidden');
  });
});

describe('refresh tokens', () => {
  const refresh = (refreshToken: string) => ctx.http().post('/api/v1/auth/refresh').send({ refreshToken });

  it('rotates: a refresh token works once and yields a new pair', async () => {
    const user = await registerUser(ctx);
    const res = await refresh(user.refreshToken).expect(200);
    expect(res.body.refreshToken).not.toBe(user.refreshToken);
    expect(res.headers['cache-control']).toBe('no-store');
    await ctx.http().get('/api/v1/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    const stored = await ctx.db('refresh_tokens').select('token_hash');
    expect(stored.map((r: { token_hash: string }) => r.token_hash)).not.toContain(res.body.refreshToken);
  });

  it('revokes the whole family when a rotated token is reused', async () => {
    const user = await registerUser(ctx);
    const second = (await refresh(user.refreshToken).expect(200)).body.refreshToken;
    expectProblem(await refresh(user.refreshToken), 401, 'invalid-refresh-token');
    expectProblem(await refresh(second), 401, 'invalid-refresh-token');
  });

  it('lets exactly one of two concurrent refreshes with one token win', async () => {
    const user = await registerUser(ctx);
    const results = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('refuses an unknown or expired refresh token', async () => {
    expectProblem(await refresh('not-a-token'), 401, 'invalid-refresh-token');
    const user = await registerUser(ctx);
    const other = await registerUser(ctx);
    ctx.clock.advance(ctx.config.refreshTokenTtlDays * 86_400_000 - 1000);
    // One second before the end of its life, a refresh token still works; at the end, no more.
    await refresh(other.refreshToken).expect(200);
    ctx.clock.advance(1000);
    expectProblem(await refresh(user.refreshToken), 401, 'invalid-refresh-token');
  });

  it('logout revokes the session, and is idempotent', async () => {
    const user = await registerUser(ctx);
    await ctx.http().post('/api/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
    await ctx.http().post('/api/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
    expectProblem(await refresh(user.refreshToken), 401, 'invalid-refresh-token');
  });

  it('keeps other sessions alive on logout', async () => {
    const user = await registerUser(ctx);
    const other = await login(ctx, user.email, PASSWORD);
    await ctx.http().post('/api/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
    await refresh(other.refreshToken).expect(200);
  });
});
