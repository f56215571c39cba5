import { useTestContext } from './helpers/context';
import { registerUser } from './helpers/factories';
import { expectProblem, fieldPaths } from './helpers/problems';

const ctx = useTestContext();

describe('problem details for every failure', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const res = await ctx.http().get('/api/v1/nothing-here');
    expectProblem(res, 404, 'not-found');
    expect(res.body.instance).toBe('/api/v1/nothing-here');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const res = await ctx.http().delete('/api/v1/me');
    expectProblem(res, 405, 'method-not-allowed');
    expect(res.headers.allow).toBe('GET, PATCH, HEAD');
  });

  it('answers HEAD like GET, headers without a body', async () => {
    const get = await ctx.http().get('/api/v1/sellers').expect(200);
    const head = await ctx.http().head('/api/v1/sellers').expect(200);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.text ?? '').toBe('');
    expectProblem(await ctx.http().get('/api/v1/sellers?colour=red'), 400, 'validation-error');
    expect((await ctx.http().head('/api/v1/sellers?colour=red')).status).toBe(400);
  });

  it('answers malformed JSON with a 400 malformed-json problem', async () => {
    const res = await ctx.http().post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"email": ');
    expectProblem(res, 400, 'malformed-json');
  });

  it('answers a body over the limit with 413', async () => {
    const res = await ctx.http().post('/api/v1/auth/register').send({ email: 'a@b.ma', password: 'x'.repeat(200_000), displayName: 'A', role: 'buyer' });
    expectProblem(res, 413, 'payload-too-large');
  });

  it('reads no body before the route and the credentials are known', async () => {
    const huge = { data: 'x'.repeat(200_000) };
    expectProblem(await ctx.http().post('/api/v1/nothing-here').send(huge), 404, 'not-found');
    expectProblem(await ctx.http().post('/api/v1/parts').set('Content-Type', 'application/json').send('{"title": '), 401, 'unauthorized');
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await ctx.http().post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('email=a@b.ma');
    expectProblem(res, 415, 'unsupported-media-type');
  });

  it('reports every invalid field with its path, not only the first', async () => {
    const res = await ctx.http().post('/api/v1/auth/register').send({ email: 'not-an-email', password: 'short', displayName: '', role: 'admin' });
    expectProblem(res, 400, 'validation-error');
    expect(fieldPaths(res).sort()).toEqual(['/body/displayName', '/body/email', '/body/password', '/body/role']);
  });

  it('answers a path parameter that is not valid percent-encoding with a 400', async () => {
    const res = await ctx.http().get('/api/v1/parts/%E0%A4%A');
    expectProblem(res, 400, 'validation-error');
    expect(fieldPaths(res)).toEqual(['/path/partId']);
  });

  it('reports one mistake once: an id that is not a UUID fails one rule, not two', async () => {
    const res = await ctx.http().get('/api/v1/parts/not-an-id');
    expectProblem(res, 400, 'validation-error');
    expect(res.body.errors).toEqual([{ path: '/path/partId', message: expect.any(String) }]);
  });

  it('rejects unknown query parameters', async () => {
    const res = await ctx.http().get('/api/v1/sellers?colour=red');
    expectProblem(res, 400, 'validation-error');
    expect(fieldPaths(res)).toEqual(['/query/colour']);
  });

  it('hides internals of an unexpected failure behind a 500 with the request id', async () => {
    const user = await registerUser(ctx);
    await ctx.db.schema.renameTable('seller_profiles', 'seller_profiles_gone');
    try {
      const res = await ctx.http().get('/api/v1/sellers').set('X-Request-Id', 'trace-500-test');
      const body = expectProblem(res, 500, 'internal-error');
      expect(body.requestId).toBe('trace-500-test');
      expect(body.detail).toBe('An unexpected error occurred.');
      expect(Object.keys(body).sort()).toEqual(['detail', 'instance', 'requestId', 'status', 'title', 'type']);
    } finally {
      await ctx.db.schema.renameTable('seller_profiles_gone', 'seller_profiles');
    }
    await ctx.http().get('/api/v1/me').set(user.auth).expect(200);
  });
});

describe('request ids and headers', () => {
  it('echoes a caller request id and generates one otherwise', async () => {
    const given = await ctx.http().get('/health').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await ctx.http().get('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces a request id that could forge log lines', async () => {
    const res = await ctx.http().get('/health').set('X-Request-Id', 'bad id with spaces');
    expect(res.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  it('sends the security headers of an API and no X-Powered-By', async () => {
    const res = await ctx.http().get('/health');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // Headers for HTML pages have nothing to do on a JSON answer.
    expect(res.headers['x-dns-prefetch-control']).toBeUndefined();
    expect(res.headers['origin-agent-cluster']).toBeUndefined();
  });
});

describe('response validation', () => {
  it('refuses to send a response that drifted from the contract', async () => {
    const user = await registerUser(ctx);
    // A blank display name breaks the contract (pattern \S); only a bug could store one, and it must not leave the server.
    await ctx.db('users').where({ id: user.id }).update({ display_name: '   ' });
    expectProblem(await ctx.http().get('/api/v1/me').set(user.auth), 500, 'internal-error');
  });
});
