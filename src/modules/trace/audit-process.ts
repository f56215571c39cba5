import type { Config } from '../../config';
import { openAuditReader, type ChainKey } from './audit-reader';
import { checkChains, checkTreeRun, type LoggedRun } from './audit-units';

/**
 * An audit process: a child of the process running the audit, with one read-only connection of
 * its own, running the units it is handed (audit.ts) one at a time. A process, not a worker
 * thread: node's SHA-256 calls contend for a lock inside OpenSSL across the threads of one process
 * (two threads hash no faster than one on this 2-core machine; two processes hash twice as fast).
 */

export type AuditTask = { kind: 'chains'; from: ChainKey | null; to: ChainKey | null; treeSize: number } | { kind: 'tree'; first: number; bits: number; treeSize: number; events: LoggedRun };

export type AuditRequest = { open: Config['database'] } | { task: AuditTask } | 'close';

async function main(): Promise<void> {
  const send = (message: unknown): void => {
    process.send?.(message);
  };
  let reader: Awaited<ReturnType<typeof openAuditReader>> | null = null;
  process.on('message', (request: AuditRequest) => {
    const work = async (): Promise<unknown> => {
      if (request === 'close') {
        await reader?.close();
        process.disconnect();
        return undefined;
      }
      if ('open' in request) {
        reader = await openAuditReader(request.open);
        return 'ready';
      }
      if (!reader) throw new Error('no connection opened');
      const { task } = request;
      return task.kind === 'chains' ? checkChains(reader, task.from, task.to, task.treeSize) : checkTreeRun(reader, task.first, task.bits, task.treeSize, { hashes: Buffer.from(task.events.hashes.buffer, task.events.hashes.byteOffset, task.events.hashes.length), seen: task.events.seen });
    };
    work().then(
      (result) => result !== undefined && send({ result }),
      (err: unknown) => send({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

void main();
