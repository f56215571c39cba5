/**
 * npm run bench:wallet [-- --seconds 8 --connections 16 --postings 1000000]
 *
 * OtoPay's costs, on SQLite (and PostgreSQL when BENCH_DATABASE_URL is set), written to
 * docs/benchmarks.md:
 * - transfers per second through HTTP (POST /api/v1/wallet/transfers, a new Idempotency-Key
 *   each, between 100 funded wallets at random), the service as production runs it, loaded by
 *   wrk; and a bare Express 5 handler taking the same requests, in the same run; the ledger
 *   reconciled afterwards (it must be clean);
 * - the reconciliation of a ledger of about 1,000,000 postings (written straight into the tables
 *   for the measure: balanced transfers between 1,000 wallets, balances to match).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import { systemClock } from '../clock';
import { withTx } from '../db/tx';
import { createServices } from '../modules';
import { fundedBuyers, loadBoth, onFreshDatabase, postScript, startServers } from './bench-money';
import { writeBenchmarkSection } from './bench-report';
import { benchDatabases, fmt, mark, requireWrk, type Load } from './bench-tools';
import { flag } from './context';

const SECONDS = Number(flag('seconds') ?? 8);
const CONNECTIONS = Number(flag('connections') ?? 16);
const POSTINGS = Number(flag('postings') ?? 1_000_000);
const USERS = 100;
const TARGETS = { transfersPerSecond: 1000, reconcileSeconds: 5 };
const TRANSFER_BODY = `'{"recipient":{"userId":"' .. ids[1 + (from + math.random(#ids - 1) - 1) % #ids] .. '"},"amount":{"amount":100,"currency":"MAD"}}'`;

interface TransferFigures {
  workers: number;
  api: Load;
  bare: Load;
  transfers: number;
  clean: boolean;
}

function measureTransfers(pgUrl: string | undefined, workers: number): Promise<TransferFigures> {
  return onFreshDatabase('wallet', pgUrl, async (db, config, database) => {
    const users = await fundedBuyers(db, config, USERS, 100_000_000, 'wallet');
    const servers = await startServers(database, workers, { id: randomUUID(), kind: 'transfer', amount: { amount: 100, currency: 'MAD' }, change: { available: { amount: -100, currency: 'MAD' }, held: { amount: 0, currency: 'MAD' } }, memo: null, createdAt: new Date().toISOString() });
    try {
      const run = randomBytes(4).toString('hex');
      // A transfer to another of the users at random: never to the sender.
      const { api, bare } = loadBoth(servers, '/api/v1/wallet/transfers', SECONDS, CONNECTIONS, (label) =>
        postScript('/api/v1/wallet/transfers', users.map((u) => u.token), `${run}-${label}`, { ids: users.map((u) => u.id) }, TRANSFER_BODY),
      );
      const transfers = Number(((await db('ledger_transactions').where({ kind: 'transfer' }).count({ n: '*' })) as { n: number | string }[])[0]?.n);
      const report = await createServices(db, config, systemClock).wallet.reconcile();
      return { workers, api, bare, transfers, clean: report.clean };
    } finally {
      await servers.stop();
    }
  });
}

/**
 * A ledger of about `POSTINGS` postings written straight into the tables (transfers of 1.00
 * between 1,000 wallets, each balance the sum of its postings), then reconciled: seconds.
 */
function measureReconcile(pgUrl: string | undefined): Promise<{ postings: number; seconds: number; clean: boolean }> {
  return onFreshDatabase('ledger_1m', pgUrl, async (db, config, database) => {
    const now = new Date().toISOString();
    const userIds: string[] = [];
    for (let start = 0; start < 1000; start += 250) {
      const rows = Array.from({ length: 250 }, (_, i) => ({ id: uuidv7(), email: `ledger-${start + i}@otomoto.local`, password_hash: 'x', display_name: 'Ledger', role: 'buyer', created_at: now, updated_at: now }));
      await db('users').insert(rows);
      userIds.push(...rows.map((r) => r.id));
    }
    const accounts = userIds.map((userId) => ({ id: uuidv7(), kind: 'wallet', user_id: userId, currency: 'MAD', available: 0, held: 0, version: 0, created_at: now }));
    for (let i = 0; i < accounts.length; i += 250) await db('ledger_accounts').insert(accounts.slice(i, i + 250));
    const balance = new Map(accounts.map((a) => [a.id, 1_000_000]));
    const funding = { id: uuidv7(), kind: 'funding', user_id: null, currency: 'MAD', available: -accounts.length * 1_000_000, held: 0, version: 0, created_at: now };
    await db('ledger_accounts').insert(funding);
    const transfers = Math.max(1, Math.floor((POSTINGS - 2 * accounts.length) / 2));
    let written = 0;
    const batch = 2000;
    // The opening deposits, then the transfers, in batches of one transaction each.
    const deposits = accounts.map((a) => ({ tx: uuidv7(), to: a.id }));
    await withTx(db, async (tx) => {
      for (let i = 0; i < deposits.length; i += 250) {
        const part = deposits.slice(i, i + 250);
        await tx('ledger_transactions').insert(part.map((d) => ({ id: d.tx, kind: 'deposit', currency: 'MAD', amount: 1_000_000, created_at: now })));
        await tx('ledger_postings').insert(part.flatMap((d) => [
          { id: uuidv7(), transaction_id: d.tx, account_id: funding.id, bucket: 'available', amount: -1_000_000, currency: 'MAD' },
          { id: uuidv7(), transaction_id: d.tx, account_id: d.to, bucket: 'available', amount: 1_000_000, currency: 'MAD' },
        ]));
      }
    });
    while (written < transfers) {
      const n = Math.min(batch, transfers - written);
      const moves = Array.from({ length: n }, () => {
        const from = accounts[Math.floor(Math.random() * accounts.length)]?.id as string;
        let to = from;
        while (to === from) to = accounts[Math.floor(Math.random() * accounts.length)]?.id as string;
        balance.set(from, (balance.get(from) ?? 0) - 100);
        balance.set(to, (balance.get(to) ?? 0) + 100);
        return { tx: uuidv7(), from, to };
      });
      await withTx(db, async (tx) => {
        for (let i = 0; i < moves.length; i += 250) {
          const part = moves.slice(i, i + 250);
          await tx('ledger_transactions').insert(part.map((m) => ({ id: m.tx, kind: 'transfer', currency: 'MAD', amount: 100, created_at: now })));
          await tx('ledger_postings').insert(part.flatMap((m) => [
            { id: uuidv7(), transaction_id: m.tx, account_id: m.from, bucket: 'available', amount: -100, currency: 'MAD' },
            { id: uuidv7(), transaction_id: m.tx, account_id: m.to, bucket: 'available', amount: 100, currency: 'MAD' },
          ]));
        }
      });
      written += n;
      process.stderr.write(`\r  ledger: ${2 * (written + accounts.length)} postings written`);
    }
    process.stderr.write('\n');
    await withTx(db, async (tx) => {
      for (const [id, available] of balance) await tx('ledger_accounts').where({ id }).update({ available });
    });
    if (database.client === 'postgresql') await db.raw('VACUUM ANALYZE');
    const services = createServices(db, config, systemClock);
    const started = process.hrtime.bigint();
    const report = await services.wallet.reconcile();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { postings: report.checked.postings, seconds, clean: report.clean };
  });
}


async function main(): Promise<void> {
  requireWrk();
  const databases = benchDatabases();
  const lines: string[] = [
    '<!-- bench:wallet:start -->',
    '## OtoPay (`npm run bench:wallet`)',
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}. Transfers of 1.00 MAD between ${USERS} funded wallets at random through HTTP (a new \`Idempotency-Key\` each), wrk -t1 -c${CONNECTIONS} -d${SECONDS}s after a 2 s warm-up, the server as production runs it (compiled, \`NODE_ENV=production\`); the bare Express 5 handler takes the same requests (its JSON body parsed) in the same run. Targets: ≥ ${fmt(TARGETS.transfersPerSecond)} transfers/s on SQLite, the ledger reconciled clean afterwards; reconciliation of 1,000,000 postings under ${TARGETS.reconcileSeconds} s.`,
    '',
  ];
  for (const [name, url] of databases) {
    console.log(name);
    lines.push(`### ${name}`, '', '| measure | API | bare Express | ratio | target |', '|---|---:|---:|---:|---|');
    for (const workers of [1, 2]) {
      const t = await measureTransfers(url, workers);
      console.log(`  ${workers} worker(s): ${fmt(t.api.rps)} answers/s (p50 ${t.api.p50Ms} ms, p99 ${t.api.p99Ms} ms, ${t.api.errors} not 2xx); bare ${fmt(t.bare.rps)}; ${t.transfers} transfers; reconcile ${t.clean ? 'clean' : 'NOT CLEAN'}`);
      const target = name === 'SQLite' ? `≥ ${fmt(TARGETS.transfersPerSecond)}/s${mark(t.api.rps >= TARGETS.transfersPerSecond && t.api.errors === 0)}` : '';
      lines.push(
        `| answers/s, WEB_CONCURRENCY=${workers} (${fmt(t.transfers)} transfers made, ${fmt(t.api.errors)} answers not 2xx; reconcile ${t.clean ? 'clean' : '**not clean**'}) | ${fmt(t.api.rps)} (p50 ${fmt(t.api.p50Ms, 2)} ms, p99 ${fmt(t.api.p99Ms, 2)} ms) | ${fmt(t.bare.rps)} (p50 ${fmt(t.bare.p50Ms, 2)} ms, p99 ${fmt(t.bare.p99Ms, 2)} ms) | ${fmt(t.api.rps / t.bare.rps, 2)} | ${target} |`,
      );
    }
    const r = await measureReconcile(url);
    console.log(`  reconcile ${fmt(r.postings)} postings: ${fmt(r.seconds, 2)} s ${r.clean ? 'clean' : 'NOT CLEAN'}`);
    lines.push(`| reconciliation of ${fmt(r.postings)} postings (${r.clean ? 'clean' : '**not clean**'}) | ${fmt(r.seconds, 2)} s | | | < ${TARGETS.reconcileSeconds} s${mark(r.seconds < TARGETS.reconcileSeconds)} |`, '');
  }
  lines.push('<!-- bench:wallet:end -->');
  writeBenchmarkSection('wallet', lines.join('\n'));
  console.log('docs/benchmarks.md updated');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
