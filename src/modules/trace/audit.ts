import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config';
import { dialectOf, type Db } from '../../db/knex';
import { pgAuditReader, sqliteAuditReader, type AuditReader, type ChainKey } from './audit-reader';
import type { AuditRequest, AuditTask } from './audit-process';
import { checkChains, checkTreeRun, MAX_PROBLEMS, type ChainUnitResult, type TreeUnitResult } from './audit-units';
import { checkpointAt, verifierKeys } from './checkpoints';
import { rootAt, treeState } from './log';
import { nodeHash } from './merkle';
import { openCheckpoint } from './signed-note';

/**
 * The whole log checked from the database alone: every chain (numbers, hashes, links), every
 * leaf against its event, every stored subtree against its two children, the tree's root, and
 * every checkpoint's signature and root.
 *
 * The work is cut into independent units (audit-units.ts): the chains in ranges of chain keys, the
 * tree in aligned runs of 2^16 leaves. A large log's units run in child processes, one a core,
 * each on a read-only connection of its own (audit-process.ts); the few levels above the runs and
 * the checkpoints are checked here. The log only grows, so units reading at slightly different
 * moments still agree: the tree is checked at the size it had when the audit began, and events
 * logged since are left to the next audit.
 */

export interface LogVerdict {
  valid: boolean;
  events: number;
  leaves: number;
  checkpoints: number;
  problems: string[];
}

type Progress = (done: number, total: number) => void;

export interface AuditOptions {
  progress?: Progress;
  /** Child processes; 0 checks in this process on one of the service's connections. Default: one a core for a log of 50,000 events or more, none below (nor for an in-memory database, which no other connection can open). */
  processes?: number;
  /** Leaves of a tree unit, as a power of two (default 16: 65,536 leaves, 2 MB of hashes a level). */
  runBits?: number;
}

const PROCESSES_FROM = 50_000;
const MAX_PROCESSES = 4;
/** Chain units per process: enough for one slow range not to leave the others idle. */
const UNITS_PER_PROCESS = 4;

type UnitResult = ChainUnitResult | TreeUnitResult;
/** Runs one task at a time; the audit spreads its tasks over several. */
type Runner = (task: AuditTask) => Promise<UnitResult>;

interface Runners {
  runners: Runner[];
  close(): Promise<void>;
}

/** A connection of the service's pool wrapped as a reader, for an audit run in this process. */
async function inProcess(db: Db): Promise<Runners> {
  const connection = (await db.client.acquireConnection()) as never;
  const reader: AuditReader = dialectOf(db) === 'postgresql' ? pgAuditReader(connection) : sqliteAuditReader(connection);
  const run: Runner = (task) => (task.kind === 'chains' ? checkChains(reader, task.from, task.to, task.treeSize) : checkTreeRun(reader, task.first, task.bits, task.treeSize, task.events));
  return { runners: [run], close: async () => db.client.releaseConnection(connection) };
}

/** The process's script: compiled JavaScript in a build, TypeScript through tsx's loader under tsx and jest. */
function startProcess(): ChildProcess {
  const script = path.join(__dirname, `audit-process${path.extname(__filename)}`);
  return fork(script, [], { execArgv: script.endsWith('.ts') ? ['--import', 'tsx'] : [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** One request answered: the process handles one at a time, in order. */
function ask(child: ChildProcess, request: AuditRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`an audit process exited (${code ?? 'signal'}) before answering`));
    child.once('exit', onExit);
    child.once('message', (message: { result?: unknown; error?: string }) => {
      child.off('exit', onExit);
      if (message.error !== undefined) reject(new Error(`audit process: ${message.error}`));
      else resolve(message.result);
    });
    child.send(request);
  });
}

async function inProcesses(database: Config['database'], count: number): Promise<Runners> {
  const children = Array.from({ length: count }, startProcess);
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            if (child.connected) child.send('close');
            else child.kill();
          }),
      ),
    );
  };
  try {
    await Promise.all(children.map((child) => ask(child, { open: database })));
  } catch (err) {
    children.forEach((child) => child.kill());
    throw err;
  }
  return { runners: children.map((child) => (task) => ask(child, { task }) as Promise<UnitResult>), close: stop };
}

/** Every task run, each by whichever runner is free next; results in the tasks' order. */
async function runAll<T extends UnitResult>(tasks: readonly AuditTask[], runners: readonly Runner[], done: (result: T) => void = () => undefined): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    runners.map(async (run) => {
      while (next < tasks.length) {
        const i = next;
        next += 1;
        results[i] = (await run(tasks[i] as AuditTask)) as T;
        done(results[i] as T);
      }
    }),
  );
  return results;
}

/**
 * Chain ranges of about equal numbers of events: the chains of events sampled evenly through the
 * log, in the database's own order of chain keys (the order the ranges are read in).
 */
async function chainRanges(db: Db, size: number, units: number): Promise<[ChainKey | null, ChainKey | null][]> {
  if (units <= 1 || size < units * 8) return [[null, null]];
  const samples = units * 8;
  const indexes = [...new Set(Array.from({ length: samples }, (_, i) => Math.floor((i * size) / samples)))];
  const keys = ((await db('trace_events').distinct('subject_type', 'subject_id').whereIn('log_index', indexes).orderBy(['subject_type', 'subject_id'])) as { subject_type: string; subject_id: string }[]).map(
    (row): ChainKey => [row.subject_type, row.subject_id],
  );
  const bounds = Array.from({ length: units - 1 }, (_, i) => keys[Math.floor(((i + 1) * keys.length) / units)]).filter((key, i, all): key is ChainKey => key !== undefined && key !== all[i - 1]);
  return [null, ...bounds].map((from, i) => [from, bounds[i] ?? null]);
}

export async function auditLog(db: Db, database: Config['database'], origin: string, options: AuditOptions = {}): Promise<LogVerdict> {
  const { progress = () => undefined, runBits = 16 } = options;
  const state = await treeState(db);
  const inMemory = database.client === 'sqlite' && (database.sqlitePath === ':memory:' || database.sqlitePath.includes('mode=memory'));
  const processes = inMemory ? 0 : options.processes ?? (state.size >= PROCESSES_FROM ? Math.min(MAX_PROCESSES, os.availableParallelism()) : 0);
  const ranges = await chainRanges(db, state.size, processes * UNITS_PER_PROCESS);
  const chainTasks = ranges.map(([from, to]): AuditTask => ({ kind: 'chains', from, to, treeSize: state.size }));

  const pool = processes > 0 ? await inProcesses(database, processes) : await inProcess(db);
  const problems: string[] = [];
  const report = (problem: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  let chainResults: ChainUnitResult[];
  let treeResults: TreeUnitResult[];
  try {
    // The chains first: each logged event's hash, put in its place in the log as units finish.
    const hashes = Buffer.alloc(state.size * 32);
    const seen = new Uint8Array(state.size);
    let events = 0;
    chainResults = await runAll<ChainUnitResult>(chainTasks, pool.runners, (unit) => {
      const logged = Buffer.from(unit.logged.hashes.buffer, unit.logged.hashes.byteOffset, unit.logged.hashes.length);
      unit.logged.indexes.forEach((index, i) => {
        if (seen[index]) report(`log index ${index}: more than one event is logged there`);
        seen[index] = 1;
        logged.copy(hashes, index * 32, i * 32, i * 32 + 32);
      });
      events += unit.events;
      progress(events, Math.max(events, state.size));
    });
    // Then the tree, run by run, each against the hashes of its own indexes (copied: a view would
    // carry the whole log's buffer to the process).
    const treeTasks: AuditTask[] = [];
    for (let first = 0; first < state.size; first += 2 ** runBits) {
      const end = Math.min(state.size, first + 2 ** runBits);
      treeTasks.push({ kind: 'tree', first, bits: runBits, treeSize: state.size, events: { hashes: Buffer.from(hashes.subarray(first * 32, end * 32)), seen: seen.slice(first, end) } });
    }
    treeResults = await runAll<TreeUnitResult>(treeTasks, pool.runners);
  } finally {
    await pool.close();
  }
  for (const unit of [...chainResults, ...treeResults]) unit.problems.forEach(report);

  // The checkpoints as listed now, then the tree as it is now (so it holds every listed one): an
  // event logged at or beyond the size the audit began with is a problem only if the tree has not
  // grown to hold it since (the sequencer integrates while the audit reads).
  const signed = ((await db('trace_checkpoints').select('tree_size', 'key_id').orderBy('tree_size')) as { tree_size: number | string; key_id: string }[]).map((r) => ({ size: Number(r.tree_size), keyId: r.key_id }));
  const now = await treeState(db);
  for (const { index, where } of chainResults.flatMap((unit) => unit.beyond)) if (index >= now.size) report(`${where}: log index ${index} is beyond the tree (${now.size} leaves)`);

  // The levels above the runs, from the runs' roots: a few nodes, read through the service's pool.
  let below = Buffer.concat(treeResults.flatMap((unit) => (unit.root ? [Buffer.from(unit.root)] : [])));
  for (let level = runBits + 1, count = Math.floor(below.length / 64); count >= 1; level += 1, count = Math.floor(count / 2)) {
    const computed = Buffer.alloc(count * 32);
    for (let i = 0; i < count; i += 1) nodeHash(below.subarray(i * 64, i * 64 + 32), below.subarray(i * 64 + 32, i * 64 + 64)).copy(computed, i * 32);
    const stored = new Map(((await db('trace_tree_nodes').select('idx', 'hash').where('level', level).where('idx', '<', count)) as { idx: number | string; hash: Buffer }[]).map((row) => [Number(row.idx), row.hash]));
    for (let i = 0; i < count; i += 1) {
      if (!stored.get(i)?.equals(computed.subarray(i * 32, i * 32 + 32))) report(`stored subtree at level ${level}, index ${i} is not the hash of its children`);
    }
    below = computed;
  }
  try {
    if (!(await rootAt(db, state.size)).equals(state.root)) report(`the stored subtrees do not give the recorded root of ${state.size} leaves`);
  } catch (err) {
    report((err as Error).message);
  }

  await auditCheckpoints(db, origin, signed, now.size, report);
  return {
    valid: problems.length === 0,
    events: chainResults.reduce((sum, unit) => sum + unit.events, 0),
    leaves: treeResults.reduce((sum, unit) => sum + unit.logged, 0),
    checkpoints: signed.length,
    problems,
  };
}

/** Each checkpoint signed by a key the log announces, over the root the tree had at its size. */
async function auditCheckpoints(db: Db, origin: string, sizes: readonly { size: number; keyId: string }[], treeSize: number, report: (problem: string) => void): Promise<void> {
  const keys = await verifierKeys(db, origin);
  for (const { size, keyId } of sizes) {
    const checkpoint = await checkpointAt(db, origin, size);
    const key = keys.get(keyId);
    try {
      if (!checkpoint || !key) throw new Error(`signed by key ${keyId}, which the log does not announce`);
      const opened = openCheckpoint(checkpoint.note, key);
      if (opened.treeSize !== size || opened.origin !== origin) throw new Error('its note names another log or size');
      if (size > treeSize) throw new Error(`the tree has only ${treeSize} leaves (the log was cut)`);
      if (!(await rootAt(db, size)).equals(opened.root)) throw new Error('the tree no longer has the root it signed');
    } catch (err) {
      report(`checkpoint at ${size}: ${(err as Error).message}`);
    }
  }
}
