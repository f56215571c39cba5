import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../src/app';
import { createLogger } from '../src/logger';
import { useTestContext } from './helpers/context';
import { registerUser } from './helpers/factories';

const ctx = useTestContext();

/** The app with its real logger configuration, writing JSON lines into an array. */
function appWithCapturedLogs(logLevel: 'info' | 'debug' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = createApp({ config: ctx.config, db: ctx.db, logger: createLogger({ logLevel, nodeEnv: 'production' }, stream) });
  return { app, lines };
}

describe('request logs', () => {
  it('carry the request id and never the bearer token', async () => {
    const user = await registerUser(ctx);
    const { app, lines } = appWithCapturedLogs();
    await request(app).get('/api/v1/me').set(user.auth).set('X-Request-Id', 'log-test-1').expect(200);
    const line = lines.find((l) => l.msg === 'GET /api/v1/me 200 ' + String(l.responseTime) + 'ms');
    // One line: what an operator reads, without the headers (those come at debug).
    expect(line).toMatchObject({ level: 30, reqId: 'log-test-1', req: { method: 'GET', url: '/api/v1/me' }, res: { statusCode: 200 }, userId: user.id });
    expect(line?.req).not.toHaveProperty('headers');
    expect(lines.filter((l) => l.reqId === 'log-test-1')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain(user.accessToken);
  });

  it('add the headers at debug, the bearer token redacted', async () => {
    const user = await registerUser(ctx);
    const { app, lines } = appWithCapturedLogs('debug');
    await request(app).get('/api/v1/me').set(user.auth).set('X-Request-Id', 'log-test-2').expect(200);
    expect(lines.find((l) => l.reqId === 'log-test-2')).toMatchObject({ req: { headers: { authorization: '[redacted]' } } });
    expect(JSON.stringify(lines)).not.toContain(user.accessToken);
  });

  it('record an unexpected failure under its request id, while the client sees none of it', async () => {
    const { app, lines } = appWithCapturedLogs();
    await ctx.db.schema.renameTable('seller_profiles', 'seller_profiles_moved');
    try {
      const res = await request(app).get('/api/v1/sellers').set('X-Request-Id', 'log-test-500').expect(500);
      expect(res.text).not.toContain('seller_profiles');
    } finally {
      await ctx.db.schema.renameTable('seller_profiles_moved', 'seller_profiles');
    }
    const failure = lines.find((l) => l.msg === 'request failed');
    expect(failure).toMatchObject({ reqId: 'log-test-500' });
    // The request's own line says it failed, under the same id.
    expect(lines.find((l) => l.msg === 'GET /api/v1/sellers 500 ' + String(l.responseTime) + 'ms')).toMatchObject({ level: 50, reqId: 'log-test-500' });
    expect(JSON.stringify(failure)).toContain('seller_profiles');
  });
});
