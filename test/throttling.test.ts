import { createApp } from '../src/app';
import request from 'supertest';
import { useTestContext } from './helpers/context';
import { PASSWORD, registerUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';

/**
 * Throttles count every attempt before the work it guards, atomically and in the database: parallel
 * requests cannot all pass before the first is counted, and instances sharing the database count
 * together.
 */
const statuses = (responses: { status: number }[]) => {
  const tally: Record<number, number> = {};
  for (const { status } of responses) tally[status] = (tally[status] ?? 0) + 1;
  return tally;
};

describe('failed logins per email and address', () => {
  const ctx = useTestContext({ LOGIN_MAX_FAILURES: '5', LOGIN_WINDOW_SECONDS: '600' });
  const login = (email: string, password: string) => ctx.http().post('/api/v1/auth/login').send({ email, password });

  it('lets only five of 120 parallel wrong guesses reach the password check', async () => {
    const user = await registerUser(ctx);
    const answers = await Promise.all(Array.from({ length: 120 }, () => login(user.email, 'wrong-password-123')));
    expect(statuses(answers)).toEqual({ 401: 5, 429: 115 });
    const blocked = answers.find((a) => a.status === 429) as request.Response;
    expectProblem(blocked, 429, 'too-many-requests');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(590);
  });

  it('does not let the right password through after 49 parallel wrong ones', async () => {
    const user = await registerUser(ctx);
    const answers = await Promise.all([...Array.from({ length: 49 }, () => login(user.email, 'wrong-password-123')), login(user.email, PASSWORD)]);
    const tally = statuses(answers);
    expect((tally[401] ?? 0) + (tally[200] ?? 0)).toBe(5);
    expect(tally[429]).toBe(45);
  });
});

describe('logins and registrations per client address', () => {
  const ctx = useTestContext({ RATE_LIMIT_LOGIN_PER_ADDRESS: '10', RATE_LIMIT_REGISTER_PER_ADDRESS: '5', RATE_LIMIT_WINDOW_SECONDS: '900' });

  it('refuses 25 of 30 parallel registrations from one address, and stores only five accounts', async () => {
    const before = Number((await ctx.db('users').count({ n: '*' }).first())?.n);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        ctx.http().post('/api/v1/auth/register').send({ email: `flood-${i}@example.ma`, password: PASSWORD, displayName: 'Flood', role: 'buyer' }),
      ),
    );
    expect(statuses(answers)).toEqual({ 201: 5, 429: 25 });
    expect(Number((await ctx.db('users').count({ n: '*' }).first())?.n)).toBe(before + 5);
    const blocked = answers.find((a) => a.status === 429) as request.Response;
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(890);
  });

  it('stops logins from one address across emails, counted together by two instances', async () => {
    const second = request(createApp({ config: ctx.config, db: ctx.db }));
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? second : ctx.http()).post('/api/v1/auth/login').send({ email: `nobody-${i}@example.ma`, password: PASSWORD })),
    );
    expect(statuses(guesses)).toEqual({ 401: 10 });
    const admin = ctx.config.admin as { email: string; password: string };
    expectProblem(await second.post('/api/v1/auth/login').send(admin), 429, 'too-many-requests');
    expectProblem(await ctx.http().post('/api/v1/auth/login').send(admin), 429, 'too-many-requests');
  });
});

describe('password rules', () => {
  const ctx = useTestContext();
  const register = (email: string, password: string, displayName = 'Karim Benali') =>
    ctx.http().post('/api/v1/auth/register').send({ email, password, displayName, role: 'buyer' });

  it.each([
    ['a run of digits', '123456789012'],
    ['a common password with digits', 'password1234'],
    ['a keyboard walk', 'azertyuiop123'],
    ['a French common word and a year', 'motdepasse2024'],
    ['the account email', 'karim.benali@example.ma'],
    ['the account name', 'KarimBenali2026'],
  ])('refuses %s as weak-password, naming the field, and creates nothing', async (_what, password) => {
    const res = await register('karim.benali@example.ma', password);
    const body = expectProblem(res, 400, 'weak-password');
    expect(body.errors).toEqual([{ path: '/body/password', message: expect.stringMatching(/too easy to guess/) }]);
    expect(await ctx.db('users').where({ email: 'karim.benali@example.ma' })).toHaveLength(0);
  });

  it('refuses twelve spaces as not a password at all', async () => {
    expectProblem(await register('spaces@example.ma', ' '.repeat(12)), 400, 'validation-error');
  });

  it('accepts a passphrase, spaces and any script included', async () => {
    await register('phrase@example.ma', 'tajine carburateur vélo bleu').expect(201);
    await register('arabic@example.ma', 'مفتاح سيارة قديمة جدا').expect(201);
  });
});

describe('the client address behind proxies', () => {
  const wrongLogin = (ctx: { http: () => request.Agent | ReturnType<typeof request> }, forwardedFor: string) =>
    ctx.http().post('/api/v1/auth/login').set('X-Forwarded-For', forwardedFor).send({ email: 'victim@example.ma', password: 'wrong-password-123' });

  describe('with no proxy trusted (the default)', () => {
    const ctx = useTestContext({ LOGIN_MAX_FAILURES: '3' });
    it('ignores an X-Forwarded-For the client made up: rotating it does not reset the throttle', async () => {
      for (let i = 0; i < 3; i += 1) expect((await wrongLogin(ctx, `198.51.100.${i}`)).status).toBe(401);
      expectProblem(await wrongLogin(ctx, '198.51.100.99'), 429, 'too-many-requests');
    });
  });

  describe('behind one trusted proxy (TRUST_PROXY=1)', () => {
    const ctx = useTestContext({ LOGIN_MAX_FAILURES: '3', TRUST_PROXY: '1' });
    it('takes the address the proxy appended, not the ones the client sent before it', async () => {
      // The client forges a first entry; the proxy appends the address it saw (203.0.113.7).
      for (let i = 0; i < 3; i += 1) expect((await wrongLogin(ctx, `198.51.100.${i}, 203.0.113.7`)).status).toBe(401);
      expectProblem(await wrongLogin(ctx, '198.51.100.99, 203.0.113.7'), 429, 'too-many-requests');
      // Another client behind the same proxy is counted apart.
      expect((await wrongLogin(ctx, '203.0.113.8')).status).toBe(401);
    });
  });
});
