import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { TEST_ENV } from './helpers/context';
import { root, serverDatabase, startServer, type Running } from './helpers/server-process';

/**
 * Two server instances (each a primary and two workers, compiled) on one database, as the service
 * scales out: buyers spread over both race for a listing's last units. Exactly as many orders as
 * units succeed, the others are refused with nothing held, and the ledger reconciles.
 */
jest.setTimeout(180_000);

const mad = (amount: number) => ({ amount, currency: 'MAD' });
const ADDRESS = { name: 'Race Buyer', line1: '1 rue de la Course', city: 'Rabat', country: 'MA' };

async function call(base: string, method: string, route: string, auth: Record<string, string>, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${route}`, { method, headers: { 'Content-Type': 'application/json', ...auth, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function account(base: string, role: 'buyer' | 'seller'): Promise<{ id: string; auth: Record<string, string> }> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.ma`;
  const password = 'a-very-long-password-1';
  const { body } = await call(base, 'POST', '/api/v1/auth/register', {}, { email, password, displayName: 'Race', role });
  const login = await call(base, 'POST', '/api/v1/auth/login', {}, { email, password });
  return { id: body.id as string, auth: { Authorization: `Bearer ${login.body.accessToken as string}` } };
}

it('two instances on one database never oversell: as many orders as units, the others refused and their money kept', async () => {
  execFileSync(process.execPath, ['src/cli/build.cjs'], { cwd: root, stdio: 'pipe' });
  const database = await serverDatabase();
  const env = { ...TEST_ENV, ...database.env, SEED_DEMO: 'false', PAYMENT_PROVIDER: 'sandbox', LOG_LEVEL: 'warn' };
  // The first instance prepares the database; the second starts on it, as a deployment's would.
  const servers: Running[] = [await startServer(env)];
  servers.push(await startServer(env));
  const [a, b] = servers as [Running, Running];
  try {
    const admin = await call(a.base, 'POST', '/api/v1/auth/login', {}, { email: TEST_ENV.ADMIN_EMAIL, password: TEST_ENV.ADMIN_PASSWORD });
    const adminAuth = { Authorization: `Bearer ${admin.body.accessToken as string}` };
    const seller = await account(a.base, 'seller');
    const profile = await call(a.base, 'PUT', '/api/v1/me/seller-profile', seller.auth, {
      legalName: 'Course Pièces SARL', sellerType: 'retailer', registrationNumber: 'RC-424242', city: 'Rabat', country: 'MA', phone: '+212537000000', shippingFee: mad(2_000),
    });
    await call(a.base, 'POST', `/api/v1/admin/sellers/${profile.body.id as string}/verify`, adminAuth, { reason: 'Race test' });
    const part = await call(b.base, 'POST', '/api/v1/parts', seller.auth, {
      title: 'Alternateur reconditionné', category: 'electrical', brand: 'Valeo', partNumbers: [{ number: `RACE-${randomBytes(3).toString('hex')}`, kind: 'aftermarket' }],
      origin: 'aftermarket', condition: 'refurbished', price: mad(90_000), quantity: 3, location: { city: 'Rabat', country: 'MA' }, fitment: [],
    });
    expect({ status: part.status, body: part.status === 201 ? null : part.body }).toEqual({ status: 201, body: null });

    const buyers = await Promise.all(Array.from({ length: 24 }, (_, i) => account(servers[i % 2]!.base, 'buyer')));
    for (const [i, buyer] of buyers.entries()) {
      const deposit = await call(servers[i % 2]!.base, 'POST', '/api/v1/wallet/deposits', buyer.auth, { amount: mad(100_000) }, { 'Idempotency-Key': randomUUID() });
      expect(deposit.status).toBe(201);
    }
    const answers = await Promise.all(
      buyers.map((buyer, i) => call(servers[i % 2]!.base, 'POST', '/api/v1/orders', buyer.auth, { lines: [{ partId: part.body.id, quantity: 1 }], shippingAddress: ADDRESS }, { 'Idempotency-Key': randomUUID() })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(answers.filter((r) => r.status !== 201).every((r) => r.status === 409 && r.body.type === 'https://otomoto.dev/problems/insufficient-stock')).toBe(true);
    // Both instances took orders, and sold out.
    expect((await call(a.base, 'GET', `/api/v1/parts/${part.body.id as string}`, {})).body.quantity).toBe(0);
    const held = await Promise.all(buyers.map(async (buyer, i) => ((await call(servers[(i + 1) % 2]!.base, 'GET', '/api/v1/wallet', buyer.auth)).body.held as { amount: number }).amount));
    expect(held.filter((h) => h === 92_000)).toHaveLength(3);
    expect(held.filter((h) => h === 0)).toHaveLength(21);
    const report = await call(b.base, 'GET', '/api/v1/admin/ledger/reconcile', adminAuth);
    expect(report.body.violations).toEqual([]);
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    await database.drop();
  }
});
