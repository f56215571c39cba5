/** What the HTTP benchmarks share: wrk's presence, a free port, a cursor deep in the catalogue. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';

export function requireWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // wrk prints its version and exits 1; only a missing binary is a problem.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error('wrk is not installed: apt-get install -y wrk (Debian package), then run again.');
      process.exit(1);
    }
  }
}

export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** The cursor of the given page of the newest-first listing, 20 a page. */
export async function pageCursor(base: string, pageNumber: number): Promise<string> {
  let cursor = '';
  for (let page = 1; page < pageNumber; page += 1) {
    const res = (await (await fetch(`${base}/api/v1/parts?limit=20${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { nextCursor: string };
    cursor = res.nextCursor;
  }
  return cursor;
}

export interface Load {
  rps: number;
  /** Answers that were not 2xx or 3xx (only counted when the caller allows them). */
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** wrk prints p50/75/90/99 only: a script reports p95 from the same latency record. */
const P95_SCRIPT = path.join(os.tmpdir(), 'otomoto-wrk-p95.lua');
writeFileSync(P95_SCRIPT, 'done = function(summary, latency, requests)\n  io.write(string.format("P95_US %d\\n", latency:percentile(95)))\nend\n');

const toMs = (text: string): number => {
  const [, value, unit] = /([\d.]+)(us|ms|s)/.exec(text) ?? [];
  return Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
};

/** One wrk run (one thread) from outside the service; any error or non-2xx answer fails the benchmark. */
/**
 * wrk against `url`: p50/p95/p99 and requests per second; any non-2xx answer is an error. `lua`,
 * when given, is a script of wrk's (its `request` function builds each request) run with the p95
 * report.
 */
export function wrk(url: string, seconds: number, connections: number, lua?: string, allowErrors = false): Load {
  let script = P95_SCRIPT;
  if (lua) {
    script = path.join(os.tmpdir(), `otomoto-wrk-${process.pid}.lua`);
    writeFileSync(script, `${lua}\n${readFileSync(P95_SCRIPT, 'utf8')}`);
  }
  const out = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if ((errors > 0 && !allowErrors) || /Socket errors/.test(out)) throw new Error(`${url}: errors under load\n${out}`);
  return {
    errors,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50Ms: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p95Ms: Number(/P95_US (\d+)/.exec(out)?.[1]) / 1000,
    p99Ms: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
  };
}

/** A figure as the reports print it: thousands separated, `digits` decimals. */
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The mark of a figure that misses its target. */
export const mark = (ok: boolean): string => (ok ? '' : ' ✗');

/** The databases a benchmark measures: SQLite, and PostgreSQL when BENCH_DATABASE_URL is set. */
export const benchDatabases = (): [name: string, pgUrl: string | undefined][] => {
  const pgUrl = process.env.BENCH_DATABASE_URL;
  return [['SQLite', undefined], ...(pgUrl ? [['PostgreSQL', pgUrl] as [string, string]] : [])];
};
