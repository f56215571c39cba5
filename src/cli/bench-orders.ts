/**
 * npm run bench:orders [-- --seconds 8 --connections 16]
 *
 * Orders placed per second end to end through HTTP (POST /api/v1/orders, a new Idempotency-Key
 * each: the request validated, the stock reserved, the total held in escrow, the listings'
 * events written), on SQLite (and PostgreSQL when BENCH_DATABASE_URL is set), with one and two
 * workers, beside a bare Express 5 handler taking the same requests; afterwards the ledger
 * reconciled and the stock counted. Written to docs/benchmarks.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { systemClock } from '../clock';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import { withTx } from '../db/tx';
import { ensureAdmin } from '../modules/auth/admin-bootstrap';
import { createServices } from '../modules';
import { fundedBuyers, loadBoth, onFreshDatabase, postScript, startServers } from './bench-money';
import { writeBenchmarkSection } from './bench-report';
import { benchDatabases, fmt, mark, requireWrk, type Load } from './bench-tools';
import { flag } from './context';

const SECONDS = Number(flag('seconds') ?? 8);
const CONNECTIONS = Number(flag('connections') ?? 16);
const BUYERS = 100;
const SELLERS = 4;
const LISTINGS_PER_SELLER = 25;
const STOCK = 1_000_000;
const TARGET = 500;
const ADDRESS = '{"name":"Bench Buyer","line1":"1 rue du Banc","city":"Rabat","country":"MA"}';
// One unit of a listing at random, delivered to the same address.
const ORDER_BODY = `'{"lines":[{"partId":"' .. parts[math.random(#parts)] .. '","quantity":1}],"shippingAddress":${ADDRESS}}'`;

/** Verified sellers with listings of a large stock, through the services as the API would. */
async function listings(db: Db, config: Config): Promise<string[]> {
  const services = createServices(db, config, systemClock);
  const admin = config.admin as { email: string; password: string };
  await ensureAdmin(db, config, admin);
  const adminId = (await services.users.findAccountByEmail(db, admin.email))?.id as string;
  const ids: string[] = [];
  for (let s = 0; s < SELLERS; s += 1) {
    const user = await services.auth.register({ email: `bench-seller-${s}@otomoto.local`, password: 'bench-password-long-enough-1', displayName: `Seller ${s}`, role: 'seller' }, '127.0.0.1');
    const { view } = await services.sellers.putMine(
      user.id,
      { legalName: `Bench Pièces ${s} SARL`, sellerType: 'retailer', registrationNumber: `RC-BENCH-${s}`, city: 'Rabat', country: 'MA', phone: '+212537000000', shippingFee: { amount: 3_000, currency: config.currency } },
      undefined,
    );
    await services.sellers.review('verify', adminId, view.id, 'Bench seller');
    const auth = { userId: user.id, role: 'seller' as const };
    for (let i = 0; i < LISTINGS_PER_SELLER; i += 1) {
      const { view: part } = await withTx(db, (tx) =>
        services.parts.create(tx, auth, {
          title: `Filtre à huile banc ${s}-${i}`,
          category: 'filters',
          brand: 'Bosch',
          partNumbers: [{ number: `BENCH-${s}-${i}-${randomBytes(2).toString('hex')}`, kind: 'aftermarket' }],
          origin: 'aftermarket',
          condition: 'new',
          price: { amount: 8_900, currency: config.currency },
          quantity: STOCK,
          location: { city: 'Rabat', country: 'MA' },
          fitment: [],
          images: [],
          warrantyMonths: 12,
          status: 'active',
        }),
      );
      ids.push(part.id);
    }
  }
  return ids;
}

interface OrderFigures {
  api: Load;
  bare: Load;
  orders: number;
  clean: boolean;
  stockRight: boolean;
}

function measureOrders(pgUrl: string | undefined, workers: number): Promise<OrderFigures> {
  return onFreshDatabase('orders', pgUrl, async (db, config, database) => {
    const parts = await listings(db, config);
    const buyers = await fundedBuyers(db, config, BUYERS, 100_000_000, 'orders');
    const servers = await startServers(database, workers, { id: randomUUID(), buyerId: randomUUID(), orders: [], total: { amount: 11_900, currency: 'MAD' }, createdAt: new Date().toISOString() });
    try {
      const run = randomBytes(4).toString('hex');
      const { api, bare } = loadBoth(servers, '/api/v1/orders', SECONDS, CONNECTIONS, (label) => postScript('/api/v1/orders', buyers.map((b) => b.token), `${run}-${label}`, { parts }, ORDER_BODY));
      const orders = Number(((await db('orders').count({ n: '*' })) as { n: number | string }[])[0]?.n);
      const sold = Number(((await db('order_lines').sum({ n: 'quantity' })) as { n: number | string | null }[])[0]?.n ?? 0);
      const left = Number(((await db('parts').sum({ n: 'quantity' })) as { n: number | string | null }[])[0]?.n ?? 0);
      const report = await createServices(db, config, systemClock).wallet.reconcile();
      return { api, bare, orders, clean: report.clean, stockRight: sold + left === parts.length * STOCK };
    } finally {
      await servers.stop();
    }
  });
}

async function main(): Promise<void> {
  requireWrk();
  const lines: string[] = [
    '<!-- bench:orders:start -->',
    '## Orders (`npm run bench:orders`)',
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}. Orders of one unit of one of ${SELLERS * LISTINGS_PER_SELLER} listings (${SELLERS} sellers) at random by ${BUYERS} funded buyers through HTTP (a new \`Idempotency-Key\` each: validated, the stock reserved, the total held in escrow, the listing's event written), wrk -t1 -c${CONNECTIONS} -d${SECONDS}s after a 2 s warm-up, the server as production runs it; the bare Express 5 handler takes the same requests (its JSON body parsed) in the same run. Target: ≥ ${fmt(TARGET)} orders/s on SQLite.`,
    '',
  ];
  for (const [name, url] of benchDatabases()) {
    console.log(name);
    lines.push(`### ${name}`, '', '| measure | API | bare Express | ratio | target |', '|---|---:|---:|---:|---|');
    for (const workers of [1, 2]) {
      const o = await measureOrders(url, workers);
      console.log(`  ${workers} worker(s): ${fmt(o.api.rps)} answers/s (p50 ${o.api.p50Ms} ms, p99 ${o.api.p99Ms} ms, ${o.api.errors} not 2xx); bare ${fmt(o.bare.rps)}; ${o.orders} orders; reconcile ${o.clean ? 'clean' : 'NOT CLEAN'}; stock ${o.stockRight ? 'right' : 'WRONG'}`);
      const target = name === 'SQLite' ? `≥ ${fmt(TARGET)}/s${mark(o.api.rps >= TARGET && o.api.errors === 0)}` : '';
      lines.push(
        `| answers/s, WEB_CONCURRENCY=${workers} (${fmt(o.orders)} orders placed, ${fmt(o.api.errors)} answers not 2xx; reconcile ${o.clean ? 'clean' : '**not clean**'}; stock ${o.stockRight ? 'right' : '**wrong**'}) | ${fmt(o.api.rps)} (p50 ${fmt(o.api.p50Ms, 2)} ms, p99 ${fmt(o.api.p99Ms, 2)} ms) | ${fmt(o.bare.rps)} (p50 ${fmt(o.bare.p50Ms, 2)} ms, p99 ${fmt(o.bare.p99Ms, 2)} ms) | ${fmt(o.api.rps / o.bare.rps, 2)} | ${target} |`,
      );
    }
    lines.push('');
  }
  lines.push('<!-- bench:orders:end -->');
  writeBenchmarkSection('orders', lines.join('\n'));
  console.log('docs/benchmarks.md updated');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
