/**
 * npm run bench:trace [-- --events 1000000 --writes 300]
 *
 * The traceability log's costs, on SQLite (and PostgreSQL when BENCH_DATABASE_URL is set), written
 * to docs/benchmarks.md:
 * - listing writes per second (create, price edit, stock adjustment) with the chain, against the
 *   same writes with the trace switched off (a service that records nothing), alternating rounds
 *   in one run, on the parts service itself;
 * - verification of a whole log of 1,000,000 events (`npm run verify:log`'s work), events/s;
 * - an inclusion proof on that log through HTTP (the service as production runs it, loaded by wrk);
 * - a passport checked offline, in-process and as `otomoto-verify` (a new node process);
 * - storage per event.
 * The million-event log is built once into data/bench/ (SQLite) or a schema of its own (PostgreSQL).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { systemClock } from '../clock';
import { loadConfig, type Config } from '../config';
import { createDb, type Db } from '../db/knex';
import { migrateLatest } from '../db/migrations';
import { withTx } from '../db/tx';
import { createServices } from '../modules';
import { createPartService } from '../modules/parts/service';
import { listingSnapshot } from '../modules/parts/history';
import { partView } from '../modules/parts/part.model';
import type { PartInput } from '../modules/parts/rules';
import { createTraceService, type TraceService } from '../modules/trace/service';
import { verifyPassport } from '../modules/trace/passport';
import { generateSignerKey } from '../modules/trace/signed-note';
import { fromRoot, PROJECT_ROOT } from '../paths';
import { writeBenchmarkSection } from './bench-report';
import { benchDatabases, fmt, freePort, mark, requireWrk, wrk, type Load } from './bench-tools';
import { flag } from './context';

const EVENTS = Number(flag('events') ?? 1_000_000);
const WRITES = Number(flag('writes') ?? 500);
const ROUNDS = 5;
const TARGETS = { writeRatio: 0.8, verifyPerSecond: 250_000, proofP95Ms: 5, passportMs: 50 };
const TRACE_KEY = generateSignerKey('bench.otomoto.local/trace');

const benchConfig = (database: Config['database']): Config => ({
  ...loadConfig({ NODE_ENV: 'test', JWT_SECRET: randomBytes(32).toString('hex'), TRACE_SIGNING_KEY: TRACE_KEY, PASSWORD_SCRYPT_LOG_N: '10', SEED_DEMO: 'false' }),
  database,
});

/** A database of its own for one measure: a SQLite file, or a PostgreSQL database next to BENCH_DATABASE_URL's (kept when `keep`). */
async function freshDatabase(label: string, pgUrl: string | undefined, keep?: string): Promise<{ database: Config['database']; url?: string; drop(): Promise<void> }> {
  if (pgUrl) {
    const name = `otomoto_bench_${label}`;
    const admin = createDb({ client: 'postgresql', url: pgUrl });
    const exists = ((await admin.raw('SELECT 1 FROM pg_database WHERE datname = ?', [name])) as { rows: unknown[] }).rows.length > 0;
    if (exists && !keep) await admin.raw(`DROP DATABASE ${name}`);
    if (!exists || !keep) await admin.raw(`CREATE DATABASE ${name}`);
    await admin.destroy();
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    return {
      database: { client: 'postgresql', url: url.toString() },
      url: url.toString(),
      drop: async () => {
        if (keep) return;
        const again = createDb({ client: 'postgresql', url: pgUrl });
        await again.raw(`DROP DATABASE IF EXISTS ${name}`);
        await again.destroy();
      },
    };
  }
  if (keep) return { database: { client: 'sqlite', sqlitePath: keep }, drop: async () => undefined };
  const dir = mkdtempSync(path.join(os.tmpdir(), `otomoto-${label}-`));
  return { database: { client: 'sqlite', sqlitePath: path.join(dir, 'bench.sqlite') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A trace service that records nothing: the same writes, without their chain. */
const noTrace = { append: async () => ({}), appendMany: async () => [] } as unknown as TraceService;

const listingInput = (i: number): PartInput => ({
  title: `Plaquettes de frein avant ${i}`,
  description: 'Pièce contrôlée, montage sans modification.',
  category: 'brakes',
  brand: 'Bosch',
  partNumbers: [{ number: `BENCH-${i}`, kind: 'aftermarket' }],
  origin: 'aftermarket',
  condition: 'new',
  price: { amount: 34900, currency: 'MAD' },
  quantity: 1000,
  location: { city: 'Casablanca', country: 'MA' },
  warrantyMonths: 12,
  fitment: [{ make: 'Dacia', model: 'Logan', yearFrom: 2012, yearTo: 2020 }],
  status: 'active',
});

/**
 * Writes per second with and without the chain, in rounds of one each, the order swapped every
 * round so that neither always runs second (after the other's garbage, on a larger database).
 */
async function measureWrites(pgUrl: string | undefined): Promise<{ on: number[]; off: number[] }> {
  const { database, drop } = await freshDatabase('writes', pgUrl);
  const config = benchConfig(database);
  const db = createDb(database);
  try {
    await migrateLatest(db);
    const services = createServices(db, config, systemClock);
    const user = await services.auth.register({ email: `bench-${randomBytes(4).toString('hex')}@otomoto.local`, password: 'bench-password-long-enough-1', displayName: 'Bench', role: 'seller' }, '127.0.0.1');
    const profile = await services.sellers.putMine(user.id, { legalName: 'Bench Auto SARL', sellerType: 'retailer', registrationNumber: 'RC-1', city: 'Casablanca', country: 'MA', phone: '+212522000000', shippingFee: { amount: 4500, currency: 'MAD' } }, undefined);
    await services.sellers.review('verify', user.id, profile.view.id, 'Bench seller');
    const auth = { userId: user.id, role: 'seller' as const };
    const variants = { on: services.parts, off: createPartService(db, config, systemClock, services.sellers, noTrace) };
    const result = { on: [] as number[], off: [] as number[] };
    let n = 0;
    // Round 0 warms both up (compiled code, statement caches) and is not counted.
    for (let round = -1; round < ROUNDS; round += 1) {
      for (const name of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const parts = variants[name];
        const started = process.hrtime.bigint();
        for (let i = 0; i < WRITES; i += 1) {
          n += 1;
          const { view } = await withTx(db, (tx) => parts.create(tx, auth, listingInput(n)));
          await parts.update(auth, view.id, { price: { amount: 30000 + (i % 1000), currency: 'MAD' } }, undefined);
          await withTx(db, (tx) => parts.adjustStock(tx, auth, view.id, { delta: -1, reason: 'Counter sale' }));
        }
        if (round >= 0) result[name].push((3 * WRITES) / (Number(process.hrtime.bigint() - started) / 1e9));
      }
    }
    return result;
  } finally {
    await db.destroy();
    await drop();
  }
}

/** Chains of 5 events (created, price, stock, note, stock): the log's events, as writers append them. */
const CHAIN = 5;

/** The million-event log, built once: events appended as the service appends them, then sequenced. */
async function millionEventLog(db: Db, config: Config): Promise<{ trace: TraceService; firstPart: string; firstSnapshot: unknown }> {
  const trace = createTraceService(db, config, systemClock);
  const snapshotOf = (id: string, price: number, quantity: number) => listingSnapshot(partView({ id, sellerId: '019dca2d-7530-7374-89ec-7b54818a71c2', sellerLegalName: 'Bench Auto SARL', sellerType: 'retailer', sellerCity: 'Casablanca', title: 'Plaquettes de frein avant', description: 'Pièce contrôlée, montage sans modification.', category: 'brakes', brand: 'Bosch', partNumbersJson: JSON.stringify([{ number: 'BENCH-1', normalized: 'BENCH1', kind: 'aftermarket' }]), origin: 'aftermarket', condition: 'new', grade: null, priceAmount: price, priceCurrency: 'MAD', coreChargeAmount: null, coreChargeCurrency: null, quantity, city: 'Casablanca', cityKey: 'casablanca', country: 'MA', warrantyMonths: 12, fitmentJson: JSON.stringify([{ make: 'Dacia', model: 'Logan', yearFrom: 2012, yearTo: 2020 }]), imagesJson: '["https://images.otomoto.ma/demo/brakes/1.jpg"]', donorVehicleJson: null, status: 'active', sellerListed: true, version: 1, createdAt: '2026-11-26T00:00:00.000Z', updatedAt: '2026-11-26T00:00:00.000Z' }));
  const existing = Number(((await db('trace_events').count({ n: '*' })) as { n: number | string }[])[0]?.n ?? 0);
  if (existing < EVENTS) {
    if (existing > 0) throw new Error('a partial benchmark log is in the way: delete it and run again');
    const actor = { type: 'user' as const, userId: '019dca2d-7530-7374-89ec-7b54818a71c3', role: 'seller' as const };
    for (let start = 0; start < EVENTS / CHAIN; start += 2000) {
      const ids = Array.from({ length: Math.min(2000, EVENTS / CHAIN - start) }, () => uuidv7());
      await withTx(db, async (tx) => {
        for (const [step, type] of ['part.created', 'part.price_changed', 'part.stock_adjusted', 'part.note', 'part.stock_adjusted'].entries()) {
          await trace.appendMany(
            tx,
            ids.map((id) => {
              const state = snapshotOf(id, step >= 1 ? 32900 : 34900, step >= 4 ? 10 : step >= 2 ? 11 : 12);
              const payload = step === 0 ? { listing: state } : step === 1 ? { before: { amount: 34900, currency: 'MAD' }, after: { amount: 32900, currency: 'MAD' } } : step === 3 ? { description: 'Bench-tested.', attachments: [] } : { delta: -1, quantity: state.quantity, reason: 'Counter sale' };
              return { subject: { type: 'part', id }, type, actor, payload, state };
            }),
          );
        }
      });
      process.stderr.write(`\r  log: ${(start + ids.length) * CHAIN} events written`);
    }
    process.stderr.write('\n');
    for (let added = 1, total = 0; added > 0; total += added) {
      added = (await trace.integrate()).added;
      process.stderr.write(`\r  log: ${total + added} leaves sequenced`);
    }
    process.stderr.write('\n');
    await trace.checkpoint();
  }
  const first = (await db('trace_events').select('subject_id').where({ subject_type: 'part' }).orderBy('id').first()) as { subject_id: string };
  const events = await trace.chain({ type: 'part', id: first.subject_id });
  const last = events[events.length - 1];
  return { trace, firstPart: first.subject_id, firstSnapshot: snapshotOf(first.subject_id, 32900, last?.type === 'part.stock_adjusted' ? 10 : 11) };
}

/**
 * `npm run verify:log` as an operator runs it (the compiled CLI and its audit processes) on the
 * benchmark log: the events it checked and the audit's time as it reports it (node's start and
 * the configuration before it are left out).
 */
function verifyLog(env: Record<string, string>): { events: number; seconds: number } {
  const output = execFileSync(process.execPath, ['dist/server/src/cli/verify-log.js'], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
  const verdict = /^valid: (\d+) events, .* checked in ([\d.]+) s$/m.exec(output);
  if (!verdict) throw new Error(`the benchmark log does not verify:\n${output}`);
  return { events: Number(verdict[1]), seconds: Number(verdict[2]) };
}

async function storagePerEvent(db: Db, events: number): Promise<number> {
  const tables = ['trace_events', 'trace_tree_nodes', 'trace_checkpoints', 'trace_log_state'];
  if (db.client.config.client === 'pg') {
    const rows = (await db.raw(`SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = ANY(?)`, [tables])) as { rows: { bytes: string }[] };
    return Number(rows.rows[0]?.bytes) / events;
  }
  // SQLite as bundled here has no dbstat table: the whole file's used pages, the log being all it holds.
  const pragma = async (name: string) => Number(Object.values(((await db.raw(`PRAGMA ${name}`)) as Record<string, number>[])[0] ?? {})[0]);
  return ((await pragma('page_count')) - (await pragma('freelist_count'))) * (await pragma('page_size')) / events;
}

interface LogFigures {
  verifyPerSecond: number;
  verifySeconds: number;
  proof: Load;
  passportMs: number;
  passportCliMs: number;
  bytesPerEvent: number;
}

async function measureLog(pgUrl: string | undefined): Promise<LogFigures> {
  const sqlitePath = fromRoot('data', 'bench', 'trace-log.sqlite');
  const { database, url: logUrl } = await freshDatabase('trace_log', pgUrl, sqlitePath);
  const config = benchConfig(database);
  const db = createDb(database);
  try {
    await migrateLatest(db);
    const { trace, firstPart, firstSnapshot } = await millionEventLog(db, config);
    const port = await freePort();
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', JWT_SECRET: randomBytes(32).toString('hex'), TRACE_SIGNING_KEY: TRACE_KEY, PORT: String(port), HOST: '127.0.0.1', WEB_CONCURRENCY: '1', ...(logUrl ? { DATABASE_URL: logUrl } : { SQLITE_PATH: sqlitePath }) };
    // The best of two: the first may find the file or the tables out of the page cache.
    const audits = [verifyLog(env), verifyLog(env)];
    const audit = audits.reduce((best, run) => (run.seconds < best.seconds ? run : best));

    // The passport of the first listing, assembled as the API assembles it.
    const events = await trace.chain({ type: 'part', id: firstPart });
    const last = events[events.length - 1];
    const proof = await trace.proofOfLeaf(last?.logIndex ?? null);
    if (!proof) throw new Error('no checkpoint covers the benchmark log');
    const passport = {
      format: 'otomoto-passport/v1',
      partId: firstPart,
      snapshot: firstSnapshot,
      events: events.map(({ subject, logIndex: _logIndex, ...e }) => ({ partId: subject.id, ...e })),
      checkpoint: { origin: proof.checkpoint.origin, treeSize: proof.checkpoint.treeSize, rootHash: proof.checkpoint.rootHash, note: proof.checkpoint.note },
      inclusionProof: proof.inclusionProof,
      key: { name: proof.key.name, keyId: proof.key.keyId, verifierKey: proof.key.verifierKey },
    };
    verifyPassport(passport, proof.key.verifierKey);
    const runs = 200;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i += 1) verifyPassport(passport, proof.key.verifierKey);
    const passportMs = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'otomoto-passport-')), 'passport.json');
    writeFileSync(file, JSON.stringify(passport));
    const cli = path.join(PROJECT_ROOT, 'dist', 'server', 'src', 'cli', 'otomoto-verify.js');
    const cliTimes: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const t = process.hrtime.bigint();
      execFileSync(process.execPath, [cli, file, '--key', proof.key.verifierKey], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } });
      cliTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    }

    // An inclusion proof through HTTP: the service as production runs it, on this log.
    const child = spawn(process.execPath, ['dist/server/src/server.js'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let ok = false; !ok; ) ok = await fetch(`${base}/health`).then((r) => r.ok).catch(() => false);
      const size = proof.checkpoint.treeSize;
      const url = `${base}/api/v1/traceability/proofs/inclusion?logIndex=${Math.floor(size / 3)}&treeSize=${size}`;
      wrk(url, 2, 1);
      const load = wrk(url, 8, 1);
      return { verifyPerSecond: audit.events / audit.seconds, verifySeconds: audit.seconds, proof: load, passportMs, passportCliMs: Math.min(...cliTimes), bytesPerEvent: await storagePerEvent(db, audit.events) };
    } finally {
      child.kill('SIGTERM');
    }
  } finally {
    await db.destroy();
  }
}


async function main(): Promise<void> {
  requireWrk();
  // The build as it stands: the benchmark measures the compiled server and CLIs.
  execFileSync(process.execPath, ['src/cli/build.cjs'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  const databases = benchDatabases();
  const lines: string[] = [
    '<!-- bench:trace:start -->',
    '## Traceability (`npm run bench:trace`)',
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}. Targets: writes with the chain ≥ ${TARGETS.writeRatio} × without; whole-log verification ≥ ${fmt(TARGETS.verifyPerSecond)} events/s; inclusion proof p95 < ${TARGETS.proofP95Ms} ms through HTTP; offline passport check < ${TARGETS.passportMs} ms.`,
    '',
  ];
  for (const [name, url] of databases) {
    console.log(name);
    const writes = await measureWrites(url);
    const ratios = writes.on.map((on, i) => on / (writes.off[i] as number));
    // This VM's speed drifts by 20-30 % within a minute: the verdict is the median round's ratio.
    const medianRatio = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] as number;
    console.log(`  writes: ${writes.on.map((v) => fmt(v)).join(', ')} with the chain; ${writes.off.map((v) => fmt(v)).join(', ')} without`);
    const log = await measureLog(url);
    console.log(`  verify ${fmt(log.verifyPerSecond)} events/s; proof p50 ${log.proof.p50Ms} ms p95 ${log.proof.p95Ms} ms p99 ${log.proof.p99Ms} ms; passport ${fmt(log.passportMs, 2)} ms (cli ${fmt(log.passportCliMs)} ms); ${fmt(log.bytesPerEvent)} bytes/event`);
    lines.push(
      `### ${name}`,
      '',
      '| measure | figure | target |',
      '|---|---:|---|',
      `| listing writes/s with the chain (create, price edit, stock; ${ROUNDS} rounds of ${3 * WRITES}, the order swapped each round) | ${writes.on.map((v) => fmt(v)).join(' / ')} | |`,
      `| the same writes/s with the trace switched off | ${writes.off.map((v) => fmt(v)).join(' / ')} | |`,
      `| ratio, per round (median) | ${ratios.map((r) => fmt(r, 2)).join(' / ')} (${fmt(medianRatio, 2)})${mark(medianRatio >= TARGETS.writeRatio)} | median ≥ ${TARGETS.writeRatio} |`,
      `| whole-log verification, ${fmt(EVENTS)} events | ${fmt(log.verifyPerSecond)} events/s (${fmt(log.verifySeconds, 1)} s)${mark(log.verifyPerSecond >= TARGETS.verifyPerSecond)} | ≥ ${fmt(TARGETS.verifyPerSecond)} events/s |`,
      `| inclusion proof through HTTP (wrk, 1 connection, 8 s) | p50 ${fmt(log.proof.p50Ms, 2)} ms, p95 ${fmt(log.proof.p95Ms, 2)} ms, p99 ${fmt(log.proof.p99Ms, 2)} ms, ${fmt(log.proof.rps)} req/s${mark(log.proof.p95Ms < TARGETS.proofP95Ms)} | p95 < ${TARGETS.proofP95Ms} ms |`,
      `| passport check, in-process (${CHAIN} events, a proof of ${fmt(Math.ceil(Math.log2(EVENTS)))} hashes) | ${fmt(log.passportMs, 2)} ms${mark(log.passportMs < TARGETS.passportMs)} | < ${TARGETS.passportMs} ms |`,
      `| passport check, \`otomoto-verify\` as a new process (best of 5, node's start included) | ${fmt(log.passportCliMs)} ms | |`,
      `| storage per event (${url ? 'the trace tables with their indexes' : 'the whole database file, which holds the log alone'}: events, subtrees, checkpoints) | ${fmt(log.bytesPerEvent)} bytes | |`,
      '',
    );
  }
  lines.push('<!-- bench:trace:end -->');
  writeBenchmarkSection('trace', lines.join('\n'));
  console.log('docs/benchmarks.md updated');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
