/** What the HTTP benchmarks share: wrk's presence, a free port, a cursor deep in the catalogue. */
import { execFileSync } from 'node:child_process';
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
