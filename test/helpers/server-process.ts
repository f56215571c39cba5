import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { createDb } from '../../src/db/knex';

/** The real server as a child process: the compiled production entry point (what npm start runs). */

export const root = path.resolve(__dirname, '..', '..');

export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const started = Date.now(); !(await condition()); ) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The processes a process started (its cluster workers), from /proc. */
export function childPids(pid: number): number[] {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

export interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  base: string;
}

/**
 * The production entry point, compiled. `detached` puts it in a process group of its own, so
 * that a crash can take the primary and its workers down at once.
 */
export const spawnServer = (env: Record<string, string>, detached = false): ChildProcess =>
  spawn(process.execPath, ['dist/server/src/server.js'], { cwd: root, detached, env: { PATH: process.env.PATH ?? '', ...env } });

/** Starts the server on a free port and waits until it answers /health. */
export async function startServer(env: Record<string, string>, options: { detached?: boolean; port?: number } = {}): Promise<Running> {
  const port = options.port ?? (await freePort());
  const child = spawnServer({ NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1', PASSWORD_SCRYPT_LOG_N: '10', WEB_CONCURRENCY: '2', ...env }, options.detached);
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/health`)).ok) return { child, output: () => output, exited, base };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start:\n${output}`);
}

/** Lines of pino's JSON output with the given message. */
export const logLines = (output: string, msg: RegExp): { pid: number; msg: string }[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { pid: number; msg: string })
    .filter((line) => msg.test(line.msg));

/** A database the server's processes open by themselves: a file, or a schema of its own named in the URL. */
export async function serverDatabase(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) return { env: { SQLITE_PATH: path.join(mkdtempSync(path.join(tmpdir(), 'otomoto-crash-')), 'otomoto.sqlite') }, drop: async () => undefined };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = createDb({ client: 'postgresql', url });
  await admin.raw(`CREATE SCHEMA ${schema}`);
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return {
    env: { DATABASE_URL: withSchema.toString() },
    drop: async () => {
      await admin.raw(`DROP SCHEMA ${schema} CASCADE`);
      await admin.destroy();
    },
  };
}

