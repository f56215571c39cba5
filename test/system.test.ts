import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { createTestContext, useTestContext } from './helpers/context';
import { expectProblem } from './helpers/problems';

const ctx = useTestContext({ CORS_ORIGINS: 'https://shop.otomoto.ma' });

describe('probes', () => {
  it('reports liveness without touching the database', async () => {
    expect((await ctx.http().get('/health').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('reports readiness with the database in use', async () => {
    const res = await ctx.http().get('/ready').expect(200);
    expect(res.body).toEqual({ status: 'ready', database: process.env.DATABASE_URL ? 'postgresql' : 'sqlite' });
  });

  it('is not ready when a migration is pending', async () => {
    await ctx.db('knex_migrations').where('name', '20261124000200_sellers').delete();
    try {
      expectProblem(await ctx.http().get('/ready'), 503, 'service-unavailable');
    } finally {
      await ctx.db('knex_migrations').insert({ name: '20261124000200_sellers', batch: 1, migration_time: new Date().toISOString() });
    }
  });
});

describe('the contract and its documentation', () => {
  it('serves the bundled contract as JSON and YAML, identical', async () => {
    const json = await ctx.http().get('/openapi.json').expect(200);
    expect(json.body.openapi).toBe('3.1.0');
    expect(json.body.paths['/api/v1/auth/register']).toBeDefined();
    const yaml = await ctx.http().get('/openapi.yaml').expect(200);
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(YAML.parse(yaml.text)).toEqual(json.body);
  });

  it('serves a Redoc page that needs no network', async () => {
    const res = await ctx.http().get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('OTOMOTO API');
    expect(res.text).toContain('hydrate(__redoc_definition');
    expect(res.text).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(res.text).not.toMatch(/import[^;]+from\s*["']https?:/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    // A page keeps the headers browsers apply to pages.
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('inlines a Redoc bundle that is valid JavaScript', async () => {
    const res = await ctx.http().get('/docs').expect(200);
    const module = /<script type="module">([\s\S]*)<\/script>/.exec(res.text)?.[1] ?? '';
    expect(module.length).toBeGreaterThan(1_000_000);
    expect(module).not.toMatch(/^\s*(import|export)\b/m);
    // node --check fails on a SyntaxError, e.g. if inlining broke the bundle (an unescaped </script>, a dangling export).
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'otomoto-docs-')), 'redoc.mjs');
    writeFileSync(file, module);
    expect(() => execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('guides for API users', () => {
  it('serves each guide the reference links to, as Markdown', async () => {
    const spec = (await ctx.http().get('/openapi.json').expect(200)).body;
    const links = [...String(spec.info.description).matchAll(/\]\((\/docs\/guides\/[a-z-]+)\)/g)].map((m) => m[1] as string);
    expect(links).toEqual(['/docs/guides/conventions', '/docs/guides/problems', '/docs/guides/security', '/docs/guides/search', '/docs/guides/idempotency', '/docs/guides/clients', '/docs/guides/traceability']);
    for (const link of links) {
      const res = await ctx.http().get(link).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/markdown/);
      expect(res.text).toMatch(/^# /);
    }
  });

  it('serves no other file', async () => {
    for (const url of ['/docs/guides/api', '/docs/guides/..%2Fpackage.json', '/docs/guides/README']) {
      expect((await ctx.http().get(url)).status).toBe(400);
    }
    expect((await ctx.http().get('/docs/guides/a/b')).status).toBe(404);
  });
});

describe('CORS', () => {
  it('answers a configured origin', async () => {
    const res = await ctx.http().get('/api/v1/sellers').set('Origin', 'https://shop.otomoto.ma').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.otomoto.ma');
  });

  it('does not grant other origins', async () => {
    const res = await ctx.http().get('/api/v1/sellers').set('Origin', 'https://evil.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('grants no origin at all when none is configured', async () => {
    const closed = await createTestContext();
    try {
      const res = await closed.http().get('/api/v1/sellers').set('Origin', 'https://shop.otomoto.ma').expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await closed.close();
    }
  });

  it('answers the preflight of a configured origin', async () => {
    const res = await ctx.http().options('/api/v1/me').set('Origin', 'https://shop.otomoto.ma').set('Access-Control-Request-Method', 'PATCH');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-methods']).toContain('PATCH');
  });
});
