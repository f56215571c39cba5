import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { TEST_ENV } from './helpers/context';
import { root, serverDatabase, startServer, waitFor, type Running } from './helpers/server-process';

/**
 * The real server (a primary and two workers, compiled) under a load of money movements, its
 * whole process group killed with SIGKILL at a random moment, ten times over one database. After
 * each restart: the reconcile report is clean, and every movement answered 2xx is in the ledger
 * and is answered the same when its request is sent again. At the end, every request whose answer
 * was lost is retried with its key, and each wallet holds exactly what the answers say: nothing
 * acknowledged was lost, nothing was applied twice.
 */

jest.setTimeout(300_000);

const ROUNDS = 10;
const USERS = 6;
const CLIENTS = 12;
const START_BALANCE = 500_000;
const IBAN = 'MA64 0117 8000 0012 3456 7890 1296';
const mad = (amount: number) => ({ amount, currency: 'MAD' });

type Operation = 'deposit' | 'transfer' | 'withdrawal';
interface Sent {
  user: number;
  operation: Operation;
  path: string;
  body: { amount: { amount: number }; recipient?: { userId: string } };
  key: string;
  /** Undefined while no answer came: the server died with the request in flight. */
  status?: number;
  answer?: { id: string };
}
interface User {
  id: string;
  auth: Record<string, string>;
}

const random = (n: number): number => Math.floor(Math.random() * n);

async function post(base: string, route: string, auth: Record<string, string>, body: unknown, key?: string): Promise<{ status: number; body: unknown; replayed: boolean }> {
  const res = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...auth, ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), replayed: res.headers.get('idempotent-replayed') === 'true' };
}

async function get(base: string, route: string, auth: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${route}`, { headers: auth });
  return { status: res.status, body: await res.json() };
}

/** One client's requests, one after another, until the server stops answering. */
async function client(base: string, users: User[], sent: Sent[]): Promise<void> {
  for (;;) {
    const from = random(USERS);
    const roll = random(4);
    const operation: Operation = roll < 2 ? 'transfer' : roll === 2 ? 'deposit' : 'withdrawal';
    // Amounts ending in .13 make the sandbox decline a deposit and fail a payout (no effect, money back).
    const amount = 100 + random(5_000);
    let request: Sent;
    if (operation === 'transfer') {
      const to = (from + 1 + random(USERS - 1)) % USERS;
      request = { user: from, operation, path: '/api/v1/wallet/transfers', body: { amount: mad(amount), recipient: { userId: (users[to] as User).id } }, key: randomUUID() };
    } else if (operation === 'deposit') {
      request = { user: from, operation, path: '/api/v1/wallet/deposits', body: { amount: mad(amount) }, key: randomUUID() };
    } else {
      request = { user: from, operation, path: '/api/v1/wallet/withdrawals', body: { amount: mad(amount), destination: { iban: IBAN } } as Sent['body'], key: randomUUID() };
    }
    sent.push(request);
    try {
      const res = await post(base, request.path, (users[from] as User).auth, request.body, request.key);
      request.status = res.status;
      request.answer = res.body as { id: string };
    } catch {
      return;
    }
  }
}

const SUCCESS: Record<Operation, number> = { deposit: 201, transfer: 201, withdrawal: 202 };

it('loses no acknowledged movement and applies none twice across ten SIGKILLs under load', async () => {
  execFileSync(process.execPath, ['src/cli/build.cjs'], { cwd: root, stdio: 'pipe' });
  const database = await serverDatabase();
  const env = {
    ...TEST_ENV,
    ...database.env,
    SEED_DEMO: 'false',
    PAYMENT_PROVIDER: 'sandbox',
    LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'warn',
    // Withdrawals left pending by a crash are asked for again a second after their request.
    WALLET_PAYOUT_RETRY_MS: '1000',
  };
  let server: Running = await startServer(env, { detached: true });
  const port = new URL(server.base).port;
  const users: User[] = [];
  const sent: Sent[] = [];
  try {
    for (let i = 0; i < USERS; i += 1) {
      const email = `crash-${i}-${randomBytes(3).toString('hex')}@example.ma`;
      const registered = await post(server.base, '/api/v1/auth/register', {}, { email, password: 'a-very-long-password-1', displayName: `Crash ${i}`, role: 'buyer' });
      const login = (await post(server.base, '/api/v1/auth/login', {}, { email, password: 'a-very-long-password-1' })).body as { accessToken: string };
      const user = { id: (registered.body as { id: string }).id, auth: { Authorization: `Bearer ${login.accessToken}` } };
      users.push(user);
      expect((await post(server.base, '/api/v1/wallet/deposits', user.auth, { amount: mad(START_BALANCE) }, randomUUID())).status).toBe(201);
    }
    const adminLogin = (await post(server.base, '/api/v1/auth/login', {}, { email: TEST_ENV.ADMIN_EMAIL, password: TEST_ENV.ADMIN_PASSWORD })).body as { accessToken: string };
    const admin = { Authorization: `Bearer ${adminLogin.accessToken}` };

    for (let round = 0; round < ROUNDS; round += 1) {
      const firstOfRound = sent.length;
      const clients = Array.from({ length: CLIENTS }, () => client(server.base, users, sent));
      // Killed at a random moment once the load is flowing (a fresh worker's first answers are slow).
      await waitFor(() => sent.slice(firstOfRound).filter((r) => r.status !== undefined).length >= 5, 30_000);
      await new Promise((r) => setTimeout(r, 100 + random(800)));
      process.kill(-(server.child.pid as number), 'SIGKILL');
      await server.exited;
      await Promise.all(clients);
      server = await startServer(env, { detached: true, port: Number(port) });

      const report = (await get(server.base, '/api/v1/admin/ledger/reconcile', admin)).body as { violations: unknown[] };
      expect(report.violations).toEqual([]);
      const answered = sent.slice(firstOfRound).filter((r) => r.status === SUCCESS[r.operation]);
      expect(answered.length).toBeGreaterThan(0);
      for (const request of answered) {
        const auth = (users[request.user] as User).auth;
        // In the ledger: the owner reads the movement (or the withdrawal) by the id it was given.
        const read = request.operation === 'withdrawal' ? `/api/v1/wallet/withdrawals/${request.answer?.id}` : `/api/v1/wallet/transactions/${request.answer?.id}`;
        expect((await get(server.base, read, auth)).status).toBe(200);
        // And the same answer again to the same request.
        const again = await post(server.base, request.path, auth, request.body, request.key);
        expect({ status: again.status, body: again.body, replayed: again.replayed }).toEqual({ status: request.status, body: request.answer, replayed: true });
      }
    }

    // Requests whose answers were lost, sent again with their keys: each is applied now, was
    // applied before (its stored answer), or had no effect (still claimed by the dead request: 409).
    for (const request of sent.filter((r) => r.status === undefined)) {
      const again = await post(server.base, request.path, (users[request.user] as User).auth, request.body, request.key);
      request.status = again.status;
      request.answer = again.body as { id: string };
      expect([SUCCESS[request.operation], 402, 409, 503]).toContain(again.status);
    }
    // Withdrawals left pending by a crash are paid by the sweep.
    await waitFor(async () => {
      const held = await Promise.all(users.map(async (u) => ((await get(server.base, '/api/v1/wallet', u.auth)).body as { held: { amount: number } }).held.amount));
      return held.every((h) => h === 0);
    }, 30_000);

    // CRASH_STATS=1 prints how the requests were answered, to see what a run exercised.
    if (process.env.CRASH_STATS) process.stderr.write(`${JSON.stringify({ sent: sent.length, byStatus: sent.reduce<Record<string, number>>((acc, r) => ({ ...acc, [`${r.operation}:${r.status}`]: (acc[`${r.operation}:${r.status}`] ?? 0) + 1 }), {}) })}\n`);
    // Each wallet holds what the answers say, to the minor unit.
    const expected = users.map(() => START_BALANCE);
    const move = (user: number, amount: number) => expected.splice(user, 1, (expected[user] as number) + amount);
    for (const request of sent.filter((r) => r.status === SUCCESS[r.operation])) {
      const amount = request.body.amount.amount;
      if (request.operation === 'deposit') move(request.user, amount);
      if (request.operation === 'transfer') {
        move(request.user, -amount);
        move(users.findIndex((u) => u.id === request.body.recipient?.userId), amount);
      }
      if (request.operation === 'withdrawal') {
        const { status } = (await get(server.base, `/api/v1/wallet/withdrawals/${request.answer?.id}`, (users[request.user] as User).auth)).body as { status: string };
        if (status === 'paid') move(request.user, -amount);
        else expect({ status, amount: amount % 100 }).toEqual({ status: 'failed', amount: 13 });
      }
    }
    const balances = await Promise.all(users.map(async (u) => ((await get(server.base, '/api/v1/wallet', u.auth)).body as { available: { amount: number } }).available.amount));
    expect(balances).toEqual(expected);
    expect(((await get(server.base, '/api/v1/admin/ledger/reconcile', admin)).body as { violations: unknown[] }).violations).toEqual([]);
  } finally {
    process.kill(-(server.child.pid as number), 'SIGKILL');
    await server.exited;
    await database.drop();
  }
});
