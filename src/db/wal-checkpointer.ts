import { existsSync } from 'node:fs';

/**
 * SQLite's write-ahead log copied back into the database file by a process that serves no
 * request (the cluster's primary), rather than by whichever request's commit crosses SQLite's
 * automatic threshold: that request's worker stopped for the whole copy and its fsyncs, every
 * few dozen money movements (transfers through HTTP went from about 390 to about 590 a second on
 * one worker with the copy moved out). docs/operations.md says more.
 *
 * Each round a PASSIVE checkpoint copies what is committed without making anyone wait. The log
 * file only starts over from its beginning once all of it has been copied while no transaction
 * was writing, which under steady writes hardly ever happens by itself: when the log has grown
 * past `restartAtPages`, the round asks for a RESTART, which waits (at most the busy timeout)
 * for the writer of the moment, copies the little that PASSIVE left, and lets the next writer
 * start the log over. The workers' own automatic checkpoints are turned off (createDb's
 * `walCheckpoints: 'elsewhere'`).
 */

interface CheckpointConnection {
  pragma(sql: string): unknown;
  close(): void;
}

export interface CheckpointRound {
  /** Pages in the log, and how many of them are now in the database file. */
  logPages: number;
  copiedPages: number;
  /** Whether this round asked for the log to start over. */
  restarted: boolean;
}

type PragmaRow = { busy: number; log: number; checkpointed: number };

export function walCheckpointRound(connection: CheckpointConnection, restartAtPages: number): CheckpointRound {
  const [passive] = connection.pragma('wal_checkpoint(PASSIVE)') as PragmaRow[];
  if (!passive || passive.log < restartAtPages) return { logPages: passive?.log ?? 0, copiedPages: passive?.checkpointed ?? 0, restarted: false };
  const [restart] = connection.pragma('wal_checkpoint(RESTART)') as PragmaRow[];
  return { logPages: restart?.log ?? passive.log, copiedPages: restart?.checkpointed ?? passive.checkpointed, restarted: restart?.busy === 0 };
}

export interface WalCheckpointer {
  stop(): void;
}

/** Rounds every `intervalMs` on a connection of its own, opened once the database file exists. */
export function startWalCheckpointer(sqlitePath: string, options: { intervalMs?: number; restartAtPages?: number; onError?: (err: unknown) => void } = {}): WalCheckpointer {
  const { intervalMs = 200, restartAtPages = 4096, onError = () => undefined } = options;
  let connection: CheckpointConnection | undefined;
  const timer = setInterval(() => {
    try {
      // The first worker creates and migrates the database: until then there is nothing to copy.
      if (!connection) {
        if (!existsSync(sqlitePath)) return;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const Database = require('better-sqlite3') as new (file: string, options: { fileMustExist: boolean }) => CheckpointConnection;
        connection = new Database(sqlitePath, { fileMustExist: true });
        // A RESTART waits this long at most for the writer of the moment; the next round tries again.
        connection.pragma('busy_timeout = 100');
      }
      walCheckpointRound(connection, restartAtPages);
    } catch (err) {
      onError(err);
    }
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      connection?.close();
    },
  };
}
