import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { generateSignerKey, parseSignerKey } from '../src/modules/trace/signed-note';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'otomoto-config-'));
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, { dataDir: tempDir() });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('configuration', () => {
  it('works with no configuration at all in development, on the embedded SQLite database', () => {
    const dataDir = tempDir();
    const config = loadConfig({}, { dataDir });
    expect(config).toMatchObject({ nodeEnv: 'development', port: 3000, host: '0.0.0.0', seedDemo: true, currency: 'MAD' });
    expect(config.database).toEqual({ client: 'sqlite', sqlitePath: path.join(dataDir, 'otomoto.sqlite') });
    expect(config.passwordScryptLogN).toBe(17);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('trusts no proxy by default, a hop count or a list of proxies when told, and never every hop', () => {
    expect(loadConfig({}, { dataDir: tempDir() }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }, { dataDir: tempDir() }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }, { dataDir: tempDir() }).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    for (const bad of ['true', 'yes', 'not-an-address', '10.0.0.0/99', '500']) {
      expect(problemsOf({ TRUST_PROXY: bad })).toEqual([expect.stringMatching(/^TRUST_PROXY must be false, a number of proxy hops/)]);
    }
  });

  it('generates a development JWT secret once and keeps it under data/', () => {
    const dataDir = tempDir();
    const first = loadConfig({}, { dataDir }).jwt.secret;
    expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
    expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8')).toBe(first);
    expect(loadConfig({}, { dataDir }).jwt.secret).toBe(first);
  });

  it('requires a strong JWT secret in production and never generates one', () => {
    const dataDir = tempDir();
    expect(() => loadConfig({ NODE_ENV: 'production', TRACE_SIGNING_KEY: generateSignerKey('otomoto.ma/trace') }, { dataDir })).toThrow(/JWT_SECRET is required in production/);
    expect(existsSync(path.join(dataDir, 'jwt-secret'))).toBe(false);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toContain('JWT_SECRET must be at least 32 bytes');
  });

  it('generates a development checkpoint key once, under data/, named after the log', () => {
    const dataDir = tempDir();
    const first = loadConfig({ TRACE_LOG_ORIGIN: 'garage.example/trace' }, { dataDir }).trace.signingKey;
    expect(parseSignerKey(first).name).toBe('garage.example/trace');
    expect(readFileSync(path.join(dataDir, 'trace-signing.key'), 'utf8')).toBe(first);
    expect(loadConfig({}, { dataDir }).trace.signingKey).toBe(first);
  });

  it('requires a valid checkpoint key in production and never generates one', () => {
    const dataDir = tempDir();
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, { dataDir })).toThrow(/TRACE_SIGNING_KEY is required in production/);
    expect(existsSync(path.join(dataDir, 'trace-signing.key'))).toBe(false);
    const tampered = generateSignerKey('otomoto.ma/trace').replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(problemsOf({ TRACE_SIGNING_KEY: tampered })).toEqual([expect.stringMatching(/^TRACE_SIGNING_KEY: the signer key id does not match/)]);
    expect(problemsOf({ TRACE_SIGNING_KEY: 'not a key' })).toEqual([expect.stringMatching(/^TRACE_SIGNING_KEY: not a signer key/)]);
    expect(problemsOf({ TRACE_LOG_ORIGIN: 'two words' })).toEqual([expect.stringMatching(/^TRACE_LOG_ORIGIN must be one word/)]);
  });

  it('never seeds demo data nor validates responses in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), TRACE_SIGNING_KEY: generateSignerKey('otomoto.ma/trace'), SEED_DEMO: 'true' }, { dataDir: tempDir() });
    expect(config.seedDemo).toBe(false);
    expect(config.validateResponses).toBe(false);
    expect(config.admin).toBeNull();
  });

  it('selects PostgreSQL from DATABASE_URL and refuses other URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/otomoto', WEB_CONCURRENCY: '2' }, { dataDir: tempDir() }).database).toEqual({ client: 'postgresql', url: 'postgres://u@db:5432/otomoto', poolMax: 10 });
    expect(problemsOf({ DATABASE_URL: 'mysql://db/otomoto' })[0]).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
  });

  it('shares the PostgreSQL connection budget among the workers, one connection each at least', () => {
    const config = (env: Record<string, string>) => loadConfig({ DATABASE_URL: 'postgres://u@db/otomoto', ...env }, { dataDir: tempDir() });
    expect(config({ WEB_CONCURRENCY: '4', DATABASE_CONNECTION_BUDGET: '30' }).database).toMatchObject({ poolMax: 7 });
    expect(config({ WEB_CONCURRENCY: '1', DATABASE_CONNECTION_BUDGET: '30' }).database).toMatchObject({ poolMax: 30 });
    expect(problemsOf({ WEB_CONCURRENCY: '8', DATABASE_CONNECTION_BUDGET: '4' })[0]).toMatch(/DATABASE_CONNECTION_BUDGET \(4\) must allow at least one connection per worker/);
    expect(problemsOf({ WEB_CONCURRENCY: '0' })[0]).toMatch(/WEB_CONCURRENCY must be an integer between 1 and 64/);
  });

  it('reads the commission rate from its digits into basis points, and refuses anything but a fraction from 0 to 1', () => {
    const bps = (rate: string) => loadConfig({ COMMISSION_RATE: rate }, { dataDir: tempDir() }).orders.commissionBps;
    expect(loadConfig({}, { dataDir: tempDir() }).orders.commissionBps).toBe(1000);
    expect([bps('0.1'), bps('0.125'), bps('0.0725'), bps('0'), bps('1')]).toEqual([1000, 1250, 725, 0, 10000]);
    for (const bad of ['10%', '1.5', '-0.1', '0.12345', '.1', 'ten']) expect(problemsOf({ COMMISSION_RATE: bad })[0]).toMatch(/COMMISSION_RATE must be a fraction from 0 to 1/);
  });

  it('reports every bad value at once, naming the variable', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', SEED_DEMO: 'maybe', CORS_ORIGINS: 'shop.otomoto.ma' });
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems.join('\n')).toMatch(/SEED_DEMO/);
    expect(problems.join('\n')).toMatch(/CORS_ORIGINS/);
  });

  it('wants the admin email and password together, the password 12 to 128 characters', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ADMIN_EMAIL: 'ops@otomoto.ma' })).toContain('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
    expect(problemsOf({ ADMIN_PASSWORD: 'short' })).toContain('ADMIN_PASSWORD must be 12 to 128 characters');
  });

  it('keeps the production password cost at 2^17 or more', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), PASSWORD_SCRYPT_LOG_N: '12' }).join()).toMatch(/PASSWORD_SCRYPT_LOG_N/);
  });
});

describe('documented configuration', () => {
  it('lists every variable the code reads in .env.example and the README', () => {
    const root = path.resolve(__dirname, '..');
    const source = readFileSync(path.join(root, 'src/config.ts'), 'utf8');
    const read = [...source.matchAll(/read\.\w+\('([A-Z_]+)'/g)].map((m) => m[1] as string);
    expect(read.length).toBeGreaterThan(15);
    const example = readFileSync(path.join(root, '.env.example'), 'utf8');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const name of read) {
      expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
      expect(readme).toContain(`\`${name}\``);
    }
  });
});
