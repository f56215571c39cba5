import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { withTx } from '../src/db/tx';
import { Problem } from '../src/http/problems';
import { money, rate, splitByRate } from '../src/money';
import { reconcileLedger } from '../src/modules/wallet/reconcile';
import type { WalletService } from '../src/modules/wallet/service';
import { walletFor } from './helpers/wallet';
import { useTestContext } from './helpers/context';
import { registerUser } from './helpers/factories';

/**
 * Random sequences of deposits, transfers (through HTTP, each with its Idempotency-Key), retries
 * of an earlier transfer with its key, holds, captures and voids run against the wallet and
 * against a plain model of balances. After every step both agree on every outcome (done or
 * refused, and why) and on every balance, and the ledger reconciles. `npm run test:props` runs
 * many more sequences (FC_RUNS).
 */
const ctx = useTestContext();
const COMMISSION = rate('0.10');
let wallet: WalletService;
let users: string[];
let auths: { Authorization: string }[];
/** The transfers sent so far, to retry: the key, the body, and the answer they got. */
let sent: { from: number; key: string; body: object; status: number; answer: unknown }[];
const RUNS = Number(process.env.FC_RUNS ?? 25);

type Op =
  | { kind: 'deposit'; user: number; amount: number }
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | { kind: 'retry'; transfer: number }
  | { kind: 'hold'; user: number; amount: number }
  | { kind: 'capture'; hold: number; payee: number; share: number }
  | { kind: 'void'; hold: number };

const amount = fc.integer({ min: 1, max: 5_000 });
const user = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), user, amount }),
  fc.record({ kind: fc.constant('transfer' as const), from: user, to: user, amount }),
  fc.record({ kind: fc.constant('retry' as const), transfer: fc.nat(20) }),
  fc.record({ kind: fc.constant('hold' as const), user, amount }),
  fc.record({ kind: fc.constant('capture' as const), hold: fc.nat(20), payee: user, share: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('void' as const), hold: fc.nat(20) }),
);

interface Model {
  available: number[];
  held: number[];
  holds: { id: string; user: number; amount: number; open: boolean }[];
}

beforeAll(async () => {
  wallet = walletFor(ctx.db, ctx.config, ctx.clock);
  users = [];
  auths = [];
  sent = [];
  for (let i = 0; i < 3; i += 1) {
    const user = await registerUser(ctx, 'buyer');
    users.push(user.id);
    auths.push(user.auth);
  }
});

/** Adds `delta` to one user's balance in the model. */
const change = (balances: number[], user: number, delta: number): void => {
  balances[user] = (balances[user] ?? 0) + delta;
};

/** The model's answer to one step: what changes, or the problem the service must refuse it with. */
async function step(model: Model, o: Op): Promise<void> {
  const mad = (n: number) => money(n, 'MAD');
  const outcome = async (work: () => Promise<unknown>): Promise<string> => {
    try {
      await work();
      return 'done';
    } catch (err) {
      if (err instanceof Problem) return err.kind;
      throw err;
    }
  };
  const run = <T>(work: Parameters<typeof withTx<T>>[1]) => () => withTx(ctx.db, work);
  if (o.kind === 'deposit') {
    expect(await outcome(run((tx) => wallet.deposit(tx, users[o.user] as string, mad(o.amount))))).toBe('done');
    change(model.available, o.user, o.amount);
  } else if (o.kind === 'retry') {
    // The same key again: the first answer again, nothing moved (the model does not change).
    const first = sent[o.transfer % Math.max(1, sent.length)];
    if (!first) return;
    const again = await ctx.http().post('/api/v1/wallet/transfers').set(auths[first.from] as { Authorization: string }).set('Idempotency-Key', first.key).send(first.body);
    // (A problem's requestId names the request it answers, the retry: the rest is the first answer.)
    const withoutRequestId = (body: unknown) => ({ ...(body as object), requestId: undefined });
    expect({ status: again.status, body: withoutRequestId(again.body) }).toEqual({ status: first.status, body: withoutRequestId(first.answer) });
  } else if (o.kind === 'transfer') {
    const expected = o.from === o.to ? 'transfer-to-self' : (model.available[o.from] as number) < o.amount ? 'insufficient-funds' : 'done';
    const key = randomUUID();
    const body = { recipient: { userId: users[o.to] }, amount: mad(o.amount) };
    const res = await ctx.http().post('/api/v1/wallet/transfers').set(auths[o.from] as { Authorization: string }).set('Idempotency-Key', key).send(body);
    sent.push({ from: o.from, key, body, status: res.status, answer: res.body });
    expect(res.status === 201 ? 'done' : String(res.body.type).replace(/^.*\/problems\//, '')).toBe(expected);
    if (expected === 'done') {
      change(model.available, o.from, -(o.amount));
      change(model.available, o.to, o.amount);
    }
  } else if (o.kind === 'hold') {
    const expected = (model.available[o.user] as number) < o.amount ? 'insufficient-funds' : 'done';
    let id = '';
    expect(await outcome(run(async (tx) => (id = (await wallet.hold(tx, users[o.user] as string, mad(o.amount), 'model')).hold.id)))).toBe(expected);
    if (expected === 'done') {
      change(model.available, o.user, -(o.amount));
      change(model.held, o.user, o.amount);
      model.holds.push({ id, user: o.user, amount: o.amount, open: true });
    }
  } else {
    const hold = model.holds[o.hold % Math.max(1, model.holds.length)];
    if (!hold) return;
    const expected = hold.open ? 'done' : 'invalid-state-transition';
    if (o.kind === 'void') {
      expect(await outcome(run((tx) => wallet.void(tx, hold.id)))).toBe(expected);
      if (expected === 'done') change(model.available, hold.user, hold.amount);
    } else {
      const captured = Math.max(1, Math.floor((hold.amount * o.share) / 100));
      expect(await outcome(run((tx) => wallet.capture(tx, hold.id, { payeeId: users[o.payee] as string, amount: mad(captured), commission: COMMISSION })))).toBe(expected);
      if (expected === 'done') {
        change(model.available, o.payee, splitByRate(mad(captured), COMMISSION).rest.amount);
        change(model.available, hold.user, hold.amount - captured);
      }
    }
    if (expected === 'done') {
      change(model.held, hold.user, -(hold.amount));
      hold.open = false;
    }
  }
}

it('agrees with a model of balances, step by step, and always reconciles', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      // Each run starts from the balances the database has: the model reads them first.
      const model: Model = { available: [], held: [], holds: [] };
      for (const id of users) {
        const b = await wallet.balance(id);
        model.available.push(b.available.amount);
        model.held.push(b.held.amount);
      }
      for (const o of ops) {
        await step(model, o);
        for (const [i, id] of users.entries()) {
          const b = await wallet.balance(id);
          expect({ user: i, available: b.available.amount, held: b.held.amount }).toEqual({ user: i, available: model.available[i], held: model.held[i] });
        }
      }
      expect((await reconcileLedger(ctx.db)).violations).toEqual([]);
    }),
    { numRuns: RUNS, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261126 },
  );
});
