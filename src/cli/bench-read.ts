/**
 * npm run bench:read [-- --rounds 3 --seconds 4 --connections 32 --log-level info]
 *
 * GET /api/v1/parts/{partId} as a client sees it: the API started as in production (its own
 * process, NODE_ENV=production, every request validated against the contract) on the embedded
 * SQLite database, against a bare Express 5 handler serving the same JSON from memory in a process
 * of its own. Both are loaded from outside by wrk (a C load generator: a JavaScript one would take
 * a share of our two cores and flatten the ratio), alternating rounds. Writes both sides' figures
 * and the ratio to docs/benchmarks.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { generateSignerKey } from '../modules/trace/signed-note';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrations';
import { onMarket } from '../modules/parts/views';
import { seedDemo } from '../seed/demo';
import { writeBenchmarkSection } from './bench-report';
import { freePort, requireWrk } from './bench-tools';
import { flag } from './context';
import { PROJECT_ROOT } from '../paths';

/** One checkpoint key for the whole run: every start of the service signs with the same one. */
const TRACE_KEY = generateSignerKey('bench.otomoto.local/trace');

const root = PROJECT_ROOT;
const ROUNDS = Number(flag('rounds') ?? 3);
const SECONDS = Number(flag('seconds') ?? 4);
const CONNECTIONS = Number(flag('connections') ?? 32);
const LOG_LEVEL = flag('log-level') ?? 'info';
const TARGET_RATIO = 0.5;
const benchDir = path.join(root, 'data/bench');
const sqlitePath = path.join(benchDir, 'read.sqlite');

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** The demo catalogue in its own SQLite file, and the id of one listing on the market. */
async function prepareCatalogue(): Promise<string> {
  mkdirSync(benchDir, { recursive: true });
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: randomBytes(32).toString('hex'), TRACE_SIGNING_KEY: TRACE_KEY, PASSWORD_SCRYPT_LOG_N: '12', SQLITE_PATH: sqlitePath });
  const db = createDb({ client: 'sqlite', sqlitePath });
  try {
    await migrateLatest(db);
    await seedDemo(db, config);
    const row = (await onMarket(db).select('parts.id').orderBy('parts.id').first()) as { id: string };
    return row.id;
  } finally {
    await db.destroy();
  }
}

interface WrkResult {
  requestsPerSecond: number;
  p99: string;
}

function wrk(url: string): WrkResult {
  const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', url], { encoding: 'utf8' });
  if (/Non-2xx or 3xx responses/.test(out) || /Socket errors/.test(out)) throw new Error(`${url}: errors under load\n${out}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1];
  if (!rps) throw new Error(`cannot read wrk's output:\n${out}`);
  return { requestsPerSecond: Number(rps), p99: p99 ?? '?' };
}

async function main(): Promise<void> {
  requireWrk();
  const partId = await prepareCatalogue();
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  const [apiPort, barePort] = [await freePort(), await freePort()];
  // The compiled service in one process, as the bare Express it is compared with.
  execFileSync(process.execPath, ['src/cli/build.cjs'], { cwd: root, stdio: 'inherit' });
  const api = spawn(process.execPath, ['dist/server/src/server.js'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex'), TRACE_SIGNING_KEY: TRACE_KEY, SQLITE_PATH: sqlitePath, PORT: String(apiPort), HOST: '127.0.0.1', LOG_LEVEL, WEB_CONCURRENCY: '1' },
  });
  const bodyFile = path.join(benchDir, 'read-body.json');
  let bare: ChildProcess | undefined;
  try {
    const apiUrl = `http://127.0.0.1:${apiPort}/api/v1/parts/${partId}`;
    await waitFor(apiUrl, api);
    const answer = await fetch(apiUrl);
    if (answer.status !== 200) throw new Error(`${apiUrl} answered ${answer.status}`);
    writeFileSync(bodyFile, await answer.text());
    bare = spawn(tsx, ['src/cli/bench-bare.ts', String(barePort), bodyFile], { cwd: root, stdio: 'inherit' });
    const bareUrl = `http://127.0.0.1:${barePort}/api/v1/parts/${partId}`;
    await waitFor(bareUrl, bare);

    // One discarded warm-up round each (JIT, caches), then alternate so that drift hits both alike.
    wrk(apiUrl);
    wrk(bareUrl);
    const rounds: { api: WrkResult; bare: WrkResult }[] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      const round = { api: wrk(apiUrl), bare: wrk(bareUrl) };
      rounds.push(round);
      console.log(`  round ${i + 1}: API ${round.api.requestsPerSecond.toFixed(0)} req/s (p99 ${round.api.p99}), bare Express ${round.bare.requestsPerSecond.toFixed(0)} req/s (p99 ${round.bare.p99}) → ${(round.api.requestsPerSecond / round.bare.requestsPerSecond).toFixed(2)}`);
    }
    const ratios = rounds.map((r) => r.api.requestsPerSecond / r.bare.requestsPerSecond);
    const range = (values: number[], digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
    const worst = Math.min(...ratios);
    const lines = [
      '<!-- bench:read:start -->',
      '## Read throughput (`npm run bench:read`)',
      '',
      `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}. ` +
        `\`GET /api/v1/parts/{partId}\` (one listing of the 2,000-listing demo catalogue) against a bare Express 5 handler serving the same JSON from memory. ` +
        `Each in its own process; the API as in production (\`NODE_ENV=production\`, SQLite, every request validated against the contract, LOG_LEVEL=${LOG_LEVEL} with the log sent to /dev/null). ` +
        `Load from wrk (\`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s\`), ${ROUNDS} alternating rounds after a warm-up round each.`,
      '',
      '| round | API req/s | API p99 | bare Express req/s | bare p99 | ratio |',
      '|---|---:|---:|---:|---:|---:|',
      ...rounds.map((r, i) => `| ${i + 1} | ${r.api.requestsPerSecond.toFixed(0)} | ${r.api.p99} | ${r.bare.requestsPerSecond.toFixed(0)} | ${r.bare.p99} | ${(ratios[i] as number).toFixed(2)} |`),
      '',
      `API ${range(rounds.map((r) => r.api.requestsPerSecond))} req/s against bare Express ${range(rounds.map((r) => r.bare.requestsPerSecond))} req/s: ` +
        `**ratio ${range(ratios, 2)}** (target ≥ ${TARGET_RATIO} in every round${worst >= TARGET_RATIO ? '' : ' ✗'}).`,
      '',
      '<!-- bench:read:end -->',
    ];
    writeBenchmarkSection('read', lines.join('\n'));
    console.log('docs/benchmarks.md updated');
  } finally {
    api.kill('SIGTERM');
    bare?.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
