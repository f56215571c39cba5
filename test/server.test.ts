import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_PASSWORD, DEMO_SELLERS } from '../src/seed/demo';
import { childPids, logLines, root, spawnServer, startServer, waitFor } from './helpers/server-process';

const statusOnNewConnection = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    httpRequest(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });

// Each case starts the real processes (a primary and its workers, migrations, seed): seconds each.
jest.setTimeout(60_000);

// What npm start runs: the build is redone only when a source is newer than it.
beforeAll(() => execFileSync(process.execPath, ['src/cli/build.cjs'], { cwd: root, stdio: 'pipe' }), 180_000);

describe('npm start', () => {
  it('migrates and seeds an empty database once, serves the API from two workers, and every worker drains on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'otomoto-start-'));
    // A directory that does not exist yet, as data/ on a fresh clone.
    const server = await startServer({ SQLITE_PATH: path.join(dataDir, 'not', 'yet', 'otomoto.sqlite'), JWT_SECRET: 'x'.repeat(40) });
    try {
      // The demo accounts are listed with their role, and sellers with their type and city.
      expect(server.output()).toMatch(/buyer +salma\.buyer@demo\.otomoto\.ma \/ otomoto-demo-2026/);
      expect(server.output()).toMatch(/seller +atlas\.auto@demo\.otomoto\.ma \/ otomoto-demo-2026 +\(dealer, Casablanca\)/);
      expect((await (await fetch(`${server.base}/ready`)).json())).toEqual({ status: 'ready', database: 'sqlite' });
      const sellers = (await (await fetch(`${server.base}/api/v1/sellers?limit=100`)).json()) as { data: unknown[] };
      expect(sellers.data).toHaveLength(DEMO_SELLERS.length);
      const login = await fetch(`${server.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: DEMO_SELLERS[0]!.email, password: DEMO_PASSWORD }),
      });
      expect(login.status).toBe(200);
      // Two workers answer (the cluster hands connections in turn); the seed ran in one of them, once.
      await waitFor(() => logLines(server.output(), /^OTOMOTO API on /).length === 1);
      expect(logLines(server.output(), /^OTOMOTO API on .*\(2 workers/)).toHaveLength(1);
      expect(logLines(server.output(), /^demo data seeded/)).toHaveLength(1);
      expect(logLines(server.output(), /^migrations applied/)).toHaveLength(1);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    const drained = logLines(server.output(), /^drained; bye/);
    expect(new Set(drained.map((l) => l.pid)).size).toBe(2);
    expect(drained.map((l) => l.pid)).not.toContain(server.child.pid);
  });

  it('replaces a worker that dies, and keeps answering meanwhile', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'otomoto-start-'));
    const server = await startServer({ SQLITE_PATH: path.join(dataDir, 'otomoto.sqlite'), JWT_SECRET: 'x'.repeat(40), SEED_DEMO: 'false' });
    try {
      await waitFor(() => logLines(server.output(), /^OTOMOTO API on /).length === 1);
      const workers = childPids(server.child.pid as number);
      expect(workers).toHaveLength(2);
      process.kill(workers[0] as number, 'SIGKILL');
      await waitFor(() => logLines(server.output(), /^worker \d+ died/).length === 1);
      // The other worker answers while the replacement starts (on new connections: the killed
      // worker's died with it).
      expect(await statusOnNewConnection(`${server.base}/health`)).toBe(200);
      await waitFor(() => {
        const now = childPids(server.child.pid as number);
        return now.length === 2 && !now.includes(workers[0] as number);
      });
      for (let i = 0; i < 4; i += 1) expect(await statusOnNewConnection(`${server.base}/health`)).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('finishes an in-flight request before exiting on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'otomoto-start-'));
    // scrypt at 2^18 keeps a registration busy for a good fraction of a second: long enough to be in flight.
    const server = await startServer({ SQLITE_PATH: path.join(dataDir, 'otomoto.sqlite'), JWT_SECRET: 'x'.repeat(40), SEED_DEMO: 'false', PASSWORD_SCRYPT_LOG_N: '18' });
    // The whole request is sent before the signal: a fixed pause could lose the race on a busy machine.
    let sent: () => void = () => undefined;
    const requestSent = new Promise<void>((resolve) => (sent = resolve));
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.base}/api/v1/auth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.on('finish', sent);
      req.end(JSON.stringify({ email: 'late@example.ma', password: 'a-very-long-password', displayName: 'Late', role: 'buyer' }));
    });
    await requestSent;
    // Time for the server to read it (a request not yet read is an idle connection, which closing
    // drops); scrypt keeps it running well beyond.
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');
    expect(await inFlight).toBe(201);
    expect(await server.exited).toBe(0);
  });

  it('does not seed when SEED_DEMO=false, and refuses to start on a bad configuration', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'otomoto-start-'));
    const server = await startServer({ SQLITE_PATH: path.join(dataDir, 'otomoto.sqlite'), JWT_SECRET: 'x'.repeat(40), SEED_DEMO: 'false' });
    try {
      const sellers = (await (await fetch(`${server.base}/api/v1/sellers`)).json()) as { data: unknown[] };
      expect(sellers.data).toHaveLength(0);
    } finally {
      server.child.kill('SIGTERM');
    }
    await server.exited;

    const bad = spawnServer({ NODE_ENV: 'production' });
    let stderr = '';
    bad.stderr?.on('data', (d) => (stderr += String(d)));
    expect(await new Promise((resolve) => bad.on('exit', resolve))).toBe(1);
    expect(stderr).toContain('JWT_SECRET is required in production');
  });

  it('stops with a message naming SQLITE_PATH when its directory cannot be created', async () => {
    // A path through a regular file, as when SQLITE_PATH names a file where a directory should be.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'otomoto-start-')), 'a-file');
    writeFileSync(file, '');
    const bad = spawnServer({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), SQLITE_PATH: path.join(file, 'data', 'otomoto.sqlite'), WEB_CONCURRENCY: '2' });
    let stderr = '';
    bad.stderr?.on('data', (d) => (stderr += String(d)));
    expect(await new Promise((resolve) => bad.on('exit', resolve))).toBe(1);
    expect(stderr).toMatch(/SQLITE_PATH: cannot create the directory .*a-file\/data \(ENOTDIR\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
