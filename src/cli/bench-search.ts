/**
 * npm run bench:search [-- --parts 1000000] [--requests 200]
 *
 * Search latency through HTTP on one instance, on SQLite (data/bench/) and, when
 * BENCH_DATABASE_URL is a postgres:// URL, on PostgreSQL: p50 and p95 of six searches over the
 * million-listing catalogue. Results go to docs/benchmarks.md (the search section is replaced;
 * other sections stay). Read throughput is `npm run bench:read` (wrk, from outside).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type express from 'express';
import { createApp } from '../app';
import { loadConfig, type Config } from '../config';
import { createDb, dialectOf, type Db } from '../db/knex';
import { migrateLatest } from '../db/migrations';
import { createLogger } from '../logger';
import { catalogPart } from '../seed/catalog';
import { seedDemo } from '../seed/demo';
import { writeBenchmarkSection } from './bench-report';
import { pageCursor } from './bench-tools';
import { flag } from './context';
import { PROJECT_ROOT } from '../paths';

const root = PROJECT_ROOT;
const PARTS = Number(flag('parts') ?? 1_000_000);
const REQUESTS = Number(flag('requests') ?? 200);
const SKIP_SQLITE = process.argv.includes('--postgres-only');
const TARGET_P95_MS = 50;

interface Listening {
  base: string;
  close: () => Promise<void>;
}

function listen(app: express.Express): Promise<Listening> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ base: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

async function timeRequests(url: string): Promise<{ p50: number; p95: number; count: number }> {
  const get = async () => {
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<{ data: unknown[] }>;
  };
  for (let i = 0; i < 10; i += 1) await get();
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i += 1) {
    const started = process.hrtime.bigint();
    await get();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), count: (await get()).data.length };
}

interface DbResult {
  database: string;
  rows: { name: string; query: string; p50: number; p95: number; count: number }[];
}

async function benchDatabase(config: Config): Promise<DbResult> {
  const db: Db = createDb(config.database);
  try {
    await migrateLatest(db);
    const started = Date.now();
    const report = await seedDemo(db, config, { parts: PARTS });
    if (report.partsAdded > 0) console.log(`  catalogue: ${report.partsAdded} listings added in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const app = createApp({ config, db, logger: createLogger({ ...config, logLevel: 'silent' }) });
    const server = await listen(app);
    try {
      const sample = catalogPart(123_457, [{ id: 'x', sellerType: 'retailer', legalName: 'Sample', city: 'Rabat' }]);
      const queries: [string, string][] = [
        ['text', 'q=plaquettes%20frein%20avant'],
        ['part number', `partNumber=${encodeURIComponent(sample.input.partNumbers[0]!.number)}`],
        ['make + model + year + condition', 'make=Dacia&model=Logan&year=2015&condition=used'],
        ['price range sorted by price', 'priceMin=50000&priceMax=150000&sort=price'],
        ['facets', 'category=brakes&facets=true'],
        ['50th page by cursor', `cursor=${await pageCursor(server.base, 50)}`],
      ];
      const rows: DbResult['rows'] = [];
      for (const [name, query] of queries) {
        const r = await timeRequests(`${server.base}/api/v1/parts?${query}`);
        rows.push({ name, query: decodeURIComponent(query).slice(0, 70), ...r });
        console.log(`  ${name.padEnd(32)} p50 ${r.p50.toFixed(1).padStart(7)} ms   p95 ${r.p95.toFixed(1).padStart(7)} ms`);
      }
      return { database: dialectOf(db), rows };
    } finally {
      await server.close();
    }
  } finally {
    await db.destroy();
  }
}

function markdown(results: DbResult[], notes: string[]): string {
  const lines = [
    '<!-- bench:search:start -->',
    '## Search (`npm run bench:search`)',
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
    `${PARTS.toLocaleString('en-US')} listings (the deterministic demo catalogue), one API instance, through HTTP on loopback;`,
    `${REQUESTS} sequential requests per search after 10 warm-up requests, 20 results per page. Target: p95 under ${TARGET_P95_MS} ms.`,
    '',
    `| search | query | ${results.map((r) => `${r.database} p50 | ${r.database} p95`).join(' | ')} |`,
    `|---|---|${results.map(() => '---:|---:').join('|')}|`,
  ];
  const names = results[0]?.rows.map((r) => r.name) ?? [];
  names.forEach((name, i) => {
    const cells = results.map((r) => {
      const row = r.rows[i] as DbResult['rows'][number];
      return `${row.p50.toFixed(1)} ms | ${row.p95.toFixed(1)} ms${row.p95 < TARGET_P95_MS ? '' : ' ✗'}`;
    });
    lines.push(`| ${name} | \`${results[0]?.rows[i]?.query.replace(/\|/g, '\\|')}\` | ${cells.join(' | ')} |`);
  });
  lines.push('');
  lines.push(...notes.map((n) => `- ${n}`), '', '<!-- bench:search:end -->');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const base = loadConfig({ NODE_ENV: 'test', JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent', VALIDATE_RESPONSES: 'false', PASSWORD_SCRYPT_LOG_N: '12' });
  const results: DbResult[] = [];
  const notes: string[] = [
    'Responses are not validated against the contract here (as in production; tests validate every response), and request logging is off (LOG_LEVEL=silent).',
  ];
  const benchDir = path.join(root, 'data/bench');
  mkdirSync(benchDir, { recursive: true });
  console.log('SQLite');
  if (SKIP_SQLITE) console.log('  skipped (--postgres-only)');
  else results.push(await benchDatabase({ ...base, database: { client: 'sqlite', sqlitePath: path.join(benchDir, 'otomoto-bench.sqlite') } }));
  const pgUrl = process.env.BENCH_DATABASE_URL;
  if (pgUrl && /^postgres(ql)?:\/\//.test(pgUrl)) {
    console.log('PostgreSQL');
    results.push(await benchDatabase({ ...base, database: { client: 'postgresql', url: pgUrl } }));
    const pg = createDb({ client: 'postgresql', url: pgUrl });
    const settings = (await pg.raw("SELECT name, current_setting(name) AS value FROM pg_settings WHERE name IN ('shared_buffers', 'effective_cache_size', 'random_page_cost', 'server_version') ORDER BY name")) as { rows: { name: string; value: string }[] };
    await pg.destroy();
    notes.push(`PostgreSQL settings: ${settings.rows.map((r) => `${r.name}=${r.value}`).join(', ')} (a local cluster; fsync off, which only affects writes, and these are reads).`);
  } else {
    notes.push('PostgreSQL not measured in this run: set BENCH_DATABASE_URL=postgres://… to include it.');
  }
  writeBenchmarkSection('search', markdown(results, notes));
  console.log('docs/benchmarks.md updated');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
