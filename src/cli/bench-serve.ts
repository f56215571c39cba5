/**
 * npm run bench:serve [-- --seconds 8 --connections 16 --postgres-only]
 *
 * The service as production runs it (`node dist/server/src/server.js`, NODE_ENV=production,
 * request log at info sent to /dev/null) on the million-listing catalogue of `npm run
 * bench:search` (SQLite in data/bench/, and PostgreSQL when BENCH_DATABASE_URL is set), loaded by
 * wrk with 16 connections: each search's throughput and p99, the listing by id, two workers
 * against one, the time to the first answer, and the memory of the whole service. Writes the
 * figures to docs/benchmarks.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { generateSignerKey } from '../modules/trace/signed-note';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalogPart } from '../seed/catalog';
import { PROJECT_ROOT } from '../paths';
import { writeBenchmarkSection } from './bench-report';
import { freePort, mark, pageCursor, requireWrk, wrk as wrkRun, type Load } from './bench-tools';
import { flag } from './context';

/** One checkpoint key for the whole run: every start of the service signs with the same one. */
const TRACE_KEY = generateSignerKey('bench.otomoto.local/trace');

const root = PROJECT_ROOT;
const SECONDS = Number(flag('seconds') ?? 8);
const CONNECTIONS = Number(flag('connections') ?? 16);
const wrk = (url: string, seconds = SECONDS): Load => wrkRun(url, seconds, CONNECTIONS);
const TARGETS = { p99Ms: 100, workerRatio: 1.6, startMs: 1000, idleMb: 250, loadMb: 400 };

/** The processes of the service: the one started and its children (the cluster's workers). */
function processTree(pid: number): number[] {
  const children = (p: number): number[] => {
    try {
      return readdirChildren(p).flatMap((c) => [c, ...children(c)]);
    } catch {
      return [];
    }
  };
  return [pid, ...children(pid)];
}

function readdirChildren(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

interface Memory {
  /** Sum of the processes' resident set sizes (shared pages counted once per process). */
  rssMb: number;
  /** Proportional set size: shared pages divided among the processes sharing them; the SQLite file's pages left out. */
  pssMb: number;
  /** What of the PSS is the SQLite database file mapped in memory (mmap), left out above. */
  databaseMapMb: number;
}

/** PSS by mapping from /proc/PID/smaps; the database file's mappings are counted apart. */
function memoryOf(pids: number[], databaseFile: string | null): Memory {
  let rss = 0;
  let pss = 0;
  let mapped = 0;
  for (const pid of pids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    } catch {
      continue;
    }
    let inDatabase = false;
    for (const line of text.split('\n')) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inDatabase = databaseFile !== null && line.trim().endsWith(databaseFile);
      const rssMatch = /^Rss:\s+(\d+) kB/.exec(line);
      if (rssMatch) rss += Number(rssMatch[1]);
      const pssMatch = /^Pss:\s+(\d+) kB/.exec(line);
      if (pssMatch) {
        if (inDatabase) mapped += Number(pssMatch[1]);
        else pss += Number(pssMatch[1]);
      }
    }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, databaseMapMb: mapped / 1024 };
}

interface Running {
  child: ChildProcess;
  base: string;
  startMs: number;
  stop(): Promise<void>;
}

async function start(env: Record<string, string>, workers: number): Promise<Running> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['dist/server/src/server.js'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', JWT_SECRET: randomBytes(32).toString('hex'), TRACE_SIGNING_KEY: TRACE_KEY, PORT: String(port), HOST: '127.0.0.1', WEB_CONCURRENCY: String(workers), ...env },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const startMs = Number(process.hrtime.bigint() - started) / 1e6;
  // Every worker up before measuring (the first answers while the others start).
  for (let i = 0; i < 400 && processTree(child.pid as number).length < workers + (workers > 1 ? 1 : 0); i += 1) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 1500));
  return {
    child,
    base,
    startMs,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface DatabaseRun {
  database: string;
  searches: { name: string; query: string; two: Load; one?: Load }[];
  byId: { two: Load; one: Load };
  startMs: number[];
  idle: Memory;
  underLoad: Memory;
}

async function benchDatabase(database: string, env: Record<string, string>, databaseFile: string | null): Promise<DatabaseRun> {
  console.log(database);
  const two = await start(env, 2);
  const startMs = [two.startMs];
  const sample = catalogPart(123_457, [{ id: 'x', sellerType: 'retailer', legalName: 'Sample', city: 'Rabat' }]);
  const searches: [string, string][] = [
    ['most common title word', 'q=de'],
    ['common word, by price', 'q=avant&sort=price'],
    ['common word, with facets', 'q=avant&facets=true'],
    ['text', 'q=plaquettes%20frein%20avant'],
    ['part number', `partNumber=${encodeURIComponent(sample.input.partNumbers[0]!.number)}`],
    ['make + model + year + condition', 'make=Dacia&model=Logan&year=2014&condition=used'],
    ['price range sorted by price', 'priceMin=50000&priceMax=150000&sort=price'],
    ['facets', 'category=brakes&facets=true'],
    ['50th page by cursor', `cursor=${await pageCursor(two.base, 50)}`],
  ];
  const someId = ((await (await fetch(`${two.base}/api/v1/parts?limit=1`)).json()) as { data: { id: string }[] }).data[0]?.id as string;
  const idle = memoryOf(processTree(two.child.pid as number), databaseFile);
  let underLoad: Memory = { rssMb: 0, pssMb: 0, databaseMapMb: 0 };
  const run: DatabaseRun['searches'] = [];
  for (const [name, query] of searches) {
    wrk(`${two.base}/api/v1/parts?${query}`, 2);
    const load = wrk(`${two.base}/api/v1/parts?${query}`);
    const memory = memoryOf(processTree(two.child.pid as number), databaseFile);
    if (memory.pssMb > underLoad.pssMb) underLoad = memory;
    run.push({ name, query: decodeURIComponent(query).slice(0, 60), two: load });
    console.log(`  ${name.padEnd(34)} ${load.rps.toFixed(0).padStart(6)} req/s  p50 ${load.p50Ms.toFixed(1)} ms  p99 ${load.p99Ms.toFixed(1)} ms`);
  }
  const byIdUrl = (base: string) => `${base}/api/v1/parts/${someId}`;
  wrk(byIdUrl(two.base), 2);
  const byIdTwo = wrk(byIdUrl(two.base));
  await two.stop();

  const one = await start(env, 1);
  startMs.push(one.startMs);
  wrk(byIdUrl(one.base), 2);
  const byIdOne = wrk(byIdUrl(one.base));
  for (const entry of run.slice(0, 4)) {
    wrk(`${one.base}/api/v1/parts?${searches.find(([n]) => n === entry.name)?.[1]}`, 2);
    entry.one = wrk(`${one.base}/api/v1/parts?${searches.find(([n]) => n === entry.name)?.[1]}`);
  }
  await one.stop();
  // A third start, two workers again, for the start-up figure alone.
  const again = await start(env, 2);
  startMs.push(again.startMs);
  await again.stop();
  console.log(`  by id: ${byIdTwo.rps.toFixed(0)} req/s with 2 workers, ${byIdOne.rps.toFixed(0)} with 1; start ${startMs.map((m) => m.toFixed(0)).join(', ')} ms`);
  return { database, searches: run, byId: { two: byIdTwo, one: byIdOne }, startMs, idle, underLoad };
}


function markdown(runs: DatabaseRun[]): string {
  const lines = [
    '<!-- bench:serve:start -->',
    '## Serving on every core (`npm run bench:serve`)',
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
      `The service as production runs it (\`node dist/server/src/server.js\`, NODE_ENV=production, every request validated, request log at info to /dev/null) on the 1,000,000-listing catalogue, ` +
      `loaded by wrk (\`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s\`, after a 2 s warm-up per URL) on the same two cores as the service. Targets: p99 < ${TARGETS.p99Ms} ms; 2 workers ÷ 1 ≥ ${TARGETS.workerRatio}; first answer < ${TARGETS.startMs} ms; memory < ${TARGETS.idleMb} MB idle, < ${TARGETS.loadMb} MB under load.`,
    '',
  ];
  for (const run of runs) {
    lines.push(`### ${run.database}`, '', '| search | query | 2 workers req/s | p50 | p99 | 1 worker req/s | 1 worker p99 | 2 ÷ 1 |', '|---|---|---:|---:|---:|---:|---:|---:|');
    for (const s of run.searches) {
      const ratio = s.one ? s.two.rps / s.one.rps : null;
      lines.push(
        `| ${s.name} | \`${s.query.replace(/\|/g, '\\|')}\` | ${s.two.rps.toFixed(0)} | ${s.two.p50Ms.toFixed(1)} ms | ${s.two.p99Ms.toFixed(1)} ms${mark(s.two.p99Ms < TARGETS.p99Ms)} | ${s.one ? s.one.rps.toFixed(0) : ''} | ${s.one ? `${s.one.p99Ms.toFixed(1)} ms` : ''} | ${ratio === null ? '' : `${ratio.toFixed(2)}${mark(ratio >= TARGETS.workerRatio)}`} |`,
      );
    }
    const idRatio = run.byId.two.rps / run.byId.one.rps;
    lines.push(
      `| listing by id | \`/api/v1/parts/{id}\` | ${run.byId.two.rps.toFixed(0)} | ${run.byId.two.p50Ms.toFixed(1)} ms | ${run.byId.two.p99Ms.toFixed(1)} ms | ${run.byId.one.rps.toFixed(0)} | ${run.byId.one.p99Ms.toFixed(1)} ms | ${idRatio.toFixed(2)}${mark(idRatio >= TARGETS.workerRatio)} |`,
      '',
      `First answer after start (\`/health\`, spawn to 200): ${run.startMs.map((m) => `${m.toFixed(0)} ms`).join(', ')} (2 workers, 1 worker, 2 workers)${mark(Math.max(...run.startMs) < TARGETS.startMs)}.`,
      `Memory of the whole service (primary and 2 workers): idle PSS ${run.idle.pssMb.toFixed(0)} MB${mark(run.idle.pssMb < TARGETS.idleMb)} (RSS summed ${run.idle.rssMb.toFixed(0)} MB), ` +
        `highest after a search load PSS ${run.underLoad.pssMb.toFixed(0)} MB${mark(run.underLoad.pssMb < TARGETS.loadMb)} (RSS summed ${run.underLoad.rssMb.toFixed(0)} MB)` +
        (run.underLoad.databaseMapMb > 0 ? `; the SQLite file mapped in memory (mmap, the page cache aside) adds ${run.underLoad.databaseMapMb.toFixed(0)} MB of PSS, not counted above.` : '.'),
      '',
    );
  }
  lines.push(
    'PSS (proportional set size, from /proc/PID/smaps) divides each shared page among the processes sharing it, so the Node binary mapped by three processes counts once; RSS summed counts it three times. ' +
      "The database file's own mapped pages are the operating system's page cache seen through mmap: they are left out of the service's figure and given apart.",
    '',
    '<!-- bench:serve:end -->',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  requireWrk();
  execFileSync(process.execPath, ['src/cli/build.cjs'], { cwd: root, stdio: 'inherit' });
  const runs: DatabaseRun[] = [];
  if (!process.argv.includes('--postgres-only')) {
    const sqlitePath = path.join(root, 'data/bench/otomoto-bench.sqlite');
    runs.push(await benchDatabase('SQLite', { SQLITE_PATH: sqlitePath }, sqlitePath));
  }
  const pgUrl = process.env.BENCH_DATABASE_URL;
  if (pgUrl) runs.push(await benchDatabase('PostgreSQL', { DATABASE_URL: pgUrl }, null));
  writeBenchmarkSection('serve', markdown(runs));
  console.log('docs/benchmarks.md updated');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
