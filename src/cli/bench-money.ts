/**
 * What the benchmarks of money-moving requests share (bench:wallet, bench:orders): a database of
 * their own, the server as production runs it and a bare Express handler beside it, funded users
 * with tokens, and a wrk script that sends each request with a new Idempotency-Key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock';
import { loadConfig, type Config } from '../config';
import { createDb, type Db } from '../db/knex';
import { migrateLatest } from '../db/migrations';
import { withTx } from '../db/tx';
import { createServices } from '../modules';
import { money } from '../money';
import { generateSignerKey } from '../modules/trace/signed-note';
import { fromRoot, PROJECT_ROOT } from '../paths';
import { freePort, wrk, type Load } from './bench-tools';

const JWT_SECRET = randomBytes(32).toString('hex');
const TRACE_KEY = generateSignerKey('bench.otomoto.local/trace');

/** A database of its own: a file under data/bench, or a database next to BENCH_DATABASE_URL's. */
async function freshBenchDatabase(label: string, pgUrl: string | undefined): Promise<Config['database']> {
  if (!pgUrl) {
    const file = fromRoot('data', 'bench', `${label}.sqlite`);
    mkdirSync(path.dirname(file), { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    return { client: 'sqlite', sqlitePath: file };
  }
  const name = `otomoto_bench_${label}`;
  const admin = createDb({ client: 'postgresql', url: pgUrl });
  await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return { client: 'postgresql', url: url.toString() };
}

/** `work` on a fresh, migrated database of its own (see freshBenchDatabase), its connection closed afterwards. */
export async function onFreshDatabase<T>(label: string, pgUrl: string | undefined, work: (db: Db, config: Config, database: Config['database']) => Promise<T>): Promise<T> {
  const database = await freshBenchDatabase(label, pgUrl);
  const config = benchConfig(database);
  const db = createDb(database);
  try {
    await migrateLatest(db);
    return await work(db, config, database);
  } finally {
    await db.destroy();
  }
}

/**
 * The same requests against the API and the bare handler (`route` on each), each after a 2 s
 * warm-up with keys of its own. Refusals by the API under load are a finding, not a broken run:
 * they are counted and reported; the bare handler must answer every one.
 */
export function loadBoth(servers: { api: string; bare: string }, route: string, seconds: number, connections: number, script: (label: string) => string): { api: Load; bare: Load } {
  wrk(`${servers.api}${route}`, 2, connections, script('warm'), true);
  const api = wrk(`${servers.api}${route}`, seconds, connections, script('api'), true);
  wrk(`${servers.bare}${route}`, 2, connections, script('bare-warm'));
  return { api, bare: wrk(`${servers.bare}${route}`, seconds, connections, script('bare')) };
}

/** The configuration the benchmark's own setup code runs with (the server reads the same secrets from its environment). */
const benchConfig = (database: Config['database']): Config => ({
  ...loadConfig({ NODE_ENV: 'test', JWT_SECRET, TRACE_SIGNING_KEY: TRACE_KEY, PASSWORD_SCRYPT_LOG_N: '10', SEED_DEMO: 'false', RATE_LIMIT_REGISTER_PER_ADDRESS: '1000000', RATE_LIMIT_LOGIN_PER_ADDRESS: '1000000' }),
  database,
});

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered`);
}

/**
 * The compiled server (NODE_ENV=production) with `workers` workers on the database, and the bare
 * Express handler answering every POST with `bareBody`; `stop` ends both and waits for them: the
 * next measure deletes and recreates the database file, and a server still closing its SQLite
 * connection would remove the new write-ahead log by its name (measured: SQLITE_CORRUPT).
 */
export async function startServers(database: Config['database'], workers: number, bareBody: unknown): Promise<{ api: string; bare: string; stop(): Promise<void> }> {
  const children: ChildProcess[] = [];
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    JWT_SECRET,
    TRACE_SIGNING_KEY: TRACE_KEY,
    PASSWORD_SCRYPT_LOG_N: '17',
    PORT: String(port),
    HOST: '127.0.0.1',
    WEB_CONCURRENCY: String(workers),
    ...(database.client === 'sqlite' ? { SQLITE_PATH: database.sqlitePath } : { DATABASE_URL: database.url }),
  };
  children.push(spawn(process.execPath, ['dist/server/src/server.js'], { cwd: PROJECT_ROOT, stdio: ['ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'], env }));
  await waitFor(`http://127.0.0.1:${port}/ready`);
  const barePort = await freePort();
  const bodyFile = path.join(os.tmpdir(), `otomoto-bare-${process.pid}.json`);
  writeFileSync(bodyFile, JSON.stringify(bareBody));
  children.push(spawn(process.execPath, ['--import', 'tsx', 'src/cli/bench-bare.ts', String(barePort), bodyFile], { cwd: PROJECT_ROOT, stdio: 'inherit' }));
  await waitFor(`http://127.0.0.1:${barePort}/api/v1/parts/x`);
  return {
    api: `http://127.0.0.1:${port}`,
    bare: `http://127.0.0.1:${barePort}`,
    stop: () =>
      Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      ).then(() => undefined),
  };
}

/** `count` buyers with `funds` minor units each, and their access tokens. */
export async function fundedBuyers(db: Db, config: Config, count: number, funds: number, label: string): Promise<{ id: string; token: string }[]> {
  const services = createServices(db, config, systemClock);
  const users: { id: string; token: string }[] = [];
  for (let i = 0; i < count; i += 1) {
    const email = `bench-${label}-${i}@otomoto.local`;
    const password = 'bench-password-long-enough-1';
    const user = await services.auth.register({ email, password, displayName: `Bench ${i}`, role: 'buyer' }, '127.0.0.1');
    await withTx(db, (tx) => services.wallet.deposit(tx, user.id, money(funds, config.currency)));
    users.push({ id: user.id, token: (await services.auth.login(email, password, '127.0.0.1')).accessToken });
  }
  return users;
}

/**
 * wrk's request builder: `bodyOf(from)` (Lua, with `from` the sender's index in `tokens`) posted
 * to `route` with a new Idempotency-Key each. Each wrk thread runs its own copy of the script: a
 * number of its own keeps their keys and their random sequences apart (the same seed in two
 * threads would send the same requests twice, the second a cheap replay).
 */
export function postScript(route: string, tokens: readonly string[], run: string, luaValues: Record<string, readonly string[]>, bodyOf: string): string {
  const list = (values: readonly string[]) => `{${values.map((v) => JSON.stringify(v)).join(',')}}`;
  return `
local tokens = ${list(tokens)}
${Object.entries(luaValues).map(([name, values]) => `local ${name} = ${list(values)}`).join('\n')}
local n = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init()
  math.randomseed(os.time() * 1000 + (tid or 0))
end
request = function()
  n = n + 1
  local from = math.random(#tokens)
  local body = ${bodyOf}
  local headers = { ["Authorization"] = "Bearer " .. tokens[from], ["Content-Type"] = "application/json", ["Idempotency-Key"] = "${run}-" .. (tid or 0) .. "-" .. n }
  return wrk.format("POST", "${route}", headers, body)
end
`;
}
