import { randomUUID } from 'node:crypto';
import { createServices } from '../src/modules';
import { createTraceService } from '../src/modules/trace/service';
import { reconcileLedger } from '../src/modules/wallet/reconcile';
import type { WalletService } from '../src/modules/wallet/service';
import { useTestContext } from './helpers/context';
import { createPart, createSeller, loginAdmin, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';
import { fundedUser, walletFor } from './helpers/wallet';

/**
 * Placing orders and the first steps of their life: a checkout split per seller, paid into
 * escrow, the stock reserved; shipped, delivered or cancelled by the party allowed to.
 */
const ctx = useTestContext();
const mad = (amount: number) => ({ amount, currency: 'MAD' });
const ADDRESS = { name: 'Salma Bennani', phone: '+212661000000', line1: '12 rue Ibn Battouta', city: 'Rabat', postalCode: '10000', country: 'MA' };
let wallet: WalletService;
let sellerA: TestUser & { sellerId: string };
let sellerB: TestUser & { sellerId: string };
let admin: TestUser;

beforeAll(async () => {
  wallet = walletFor(ctx.db, ctx.config, ctx.clock);
  [sellerA, sellerB, admin] = await Promise.all([createSeller(ctx), createSeller(ctx), loginAdmin(ctx)]);
});
afterEach(async () => {
  expect((await reconcileLedger(ctx.db)).violations).toEqual([]);
});

const buyer = (funds: number): Promise<TestUser> => fundedUser(ctx, wallet, funds);
const order = (user: TestUser, lines: { partId: string; quantity: number }[], key = randomUUID()) =>
  ctx.http().post('/api/v1/orders').set(user.auth).set('Idempotency-Key', key).send({ lines, shippingAddress: ADDRESS });
const balance = async (user: TestUser) => (await ctx.http().get('/api/v1/wallet').set(user.auth).expect(200)).body;
const stockOf = async (partId: string) => (await ctx.http().get(`/api/v1/parts/${partId}`).expect(200)).body.quantity as number;
const act = (user: TestUser, orderId: string, action: string, body?: object) => {
  const req = ctx.http().post(`/api/v1/orders/${orderId}/${action}`).set(user.auth).set('Idempotency-Key', randomUUID());
  return body ? req.send(body) : req;
};

describe('POST /api/v1/orders', () => {
  it('splits a checkout by seller, prices each order at the moment, holds the total and reserves the stock', async () => {
    const filter = await createPart(ctx, sellerA, { price: mad(8_900), quantity: 5 });
    const pads = await createPart(ctx, sellerA, { price: mad(34_905), coreCharge: mad(5_000), quantity: 3 });
    const starter = await createPart(ctx, sellerB, { price: mad(120_000), quantity: 1 });
    const user = await buyer(1_000_000);

    const res = await order(user, [
      { partId: filter.id, quantity: 2 },
      { partId: starter.id, quantity: 1 },
      { partId: pads.id, quantity: 1 },
    ]).expect(201);
    const group = res.body;
    expect(group.orders).toHaveLength(2);
    const ofA = group.orders.find((o: { sellerId: string }) => o.sellerId === sellerA.sellerId);
    const ofB = group.orders.find((o: { sellerId: string }) => o.sellerId === sellerB.sellerId);
    // Seller A: 2 × 89.00 + 349.05 = 527.05; a core charge of 50.00; shipping 45.00; 10 % of
    // 527.05 is 52.705, rounded half to even (as every split of money) to 52.70.
    expect(ofA).toMatchObject({
      status: 'paid',
      subtotal: mad(52_705),
      coreCharges: mad(5_000),
      shippingFee: mad(4_500),
      commissionRate: 1000,
      commission: mad(5_270),
      total: mad(62_205),
      shippingAddress: ADDRESS,
      tracking: null,
      history: [{ from: null, to: 'paid', actor: { type: 'buyer', id: user.id }, reason: null }],
    });
    expect(ofA.lines).toEqual(
      expect.arrayContaining([
        { partId: filter.id, title: filter.title, quantity: 2, unitPrice: mad(8_900), coreCharge: mad(0), lineTotal: mad(17_800) },
        { partId: pads.id, title: pads.title, quantity: 1, unitPrice: mad(34_905), coreCharge: mad(5_000), lineTotal: mad(34_905) },
      ]),
    );
    expect(ofB).toMatchObject({ subtotal: mad(120_000), coreCharges: mad(0), shippingFee: mad(4_500), commission: mad(12_000), total: mad(124_500) });
    expect(group.total).toEqual(mad(62_205 + 124_500));

    // The money: held in escrow, no longer available.
    expect(await balance(user)).toMatchObject({ available: mad(1_000_000 - 186_705), held: mad(186_705) });
    // The stock: taken, each listing's history told.
    expect([await stockOf(filter.id), await stockOf(pads.id), await stockOf(starter.id)]).toEqual([3, 2, 0]);
    const history = (await ctx.http().get(`/api/v1/parts/${filter.id}/history`).expect(200)).body.data;
    expect(history.at(-1)).toMatchObject({ type: 'part.reserved', payload: { orderId: ofA.id, quantity: 2, quantityLeft: 3 } });

    // A later price change never alters the order.
    await ctx.http().patch(`/api/v1/parts/${filter.id}`).set(sellerA.auth).set('If-Match', (await ctx.http().get(`/api/v1/parts/${filter.id}`)).headers.etag as string).send({ price: mad(1_000) }).expect(200);
    expect((await ctx.http().get(`/api/v1/orders/${ofA.id}`).set(user.auth).expect(200)).body).toMatchObject({ subtotal: mad(52_705), total: mad(62_205) });
  });

  it('refuses, reserving and holding nothing: too few in stock, too little money, a listing not on the market or one\'s own', async () => {
    const part = await createPart(ctx, sellerA, { price: mad(10_000), quantity: 2 });
    const other = await createPart(ctx, sellerB, { price: mad(10_000), quantity: 2 });
    const rich = await buyer(1_000_000);
    expectProblem(await order(rich, [{ partId: other.id, quantity: 1 }, { partId: part.id, quantity: 3 }]), 409, 'insufficient-stock');
    const poor = await buyer(14_499);
    expectProblem(await order(poor, [{ partId: part.id, quantity: 1 }]), 409, 'insufficient-funds');
    const draft = await createPart(ctx, sellerA, { status: 'draft' });
    expectProblem(await order(rich, [{ partId: draft.id, quantity: 1 }]), 422, 'part-not-orderable');
    expectProblem(await order(rich, [{ partId: randomUUID(), quantity: 1 }]), 422, 'part-not-orderable');
    expectProblem(await order(sellerA, [{ partId: part.id, quantity: 1 }]), 403, 'forbidden');
    // Nothing moved.
    expect([await stockOf(part.id), await stockOf(other.id)]).toEqual([2, 2]);
    expect(await balance(rich)).toMatchObject({ available: mad(1_000_000), held: mad(0) });
    expect(await balance(poor)).toMatchObject({ available: mad(14_499), held: mad(0) });
    // Bad input is a 400: no key, an unknown field, a quantity of zero, a malformed address.
    expectProblem(await ctx.http().post('/api/v1/orders').set(rich.auth).send({ lines: [{ partId: part.id, quantity: 1 }], shippingAddress: ADDRESS }), 400, 'validation-error');
    expectProblem(await order(rich, [{ partId: part.id, quantity: 0 }]), 400, 'validation-error');
    const extra = await ctx.http().post('/api/v1/orders').set(rich.auth).set('Idempotency-Key', randomUUID()).send({ lines: [{ partId: part.id, quantity: 1 }], shippingAddress: { ...ADDRESS, country: 'Morocco' }, total: 1 });
    expectProblem(extra, 400, 'validation-error');
  });

  it('sells the last unit once when many buyers race for it; the others keep their money', async () => {
    const last = await createPart(ctx, sellerA, { price: mad(5_000), quantity: 1 });
    const buyers = await Promise.all(Array.from({ length: 50 }, () => buyer(100_000)));
    const answers = await Promise.all(buyers.map((b) => order(b, [{ partId: last.id, quantity: 1 }])));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const refused of answers.filter((a) => a.status !== 201)) expectProblem(refused, 409, 'insufficient-stock');
    expect(await stockOf(last.id)).toBe(0);
    const balances = await Promise.all(buyers.map(balance));
    expect(balances.filter((b) => b.available.amount === 100_000)).toHaveLength(49);
  });

  it('orders once for one Idempotency-Key sent twice at once', async () => {
    const part = await createPart(ctx, sellerA, { price: mad(5_000), quantity: 10 });
    const user = await buyer(100_000);
    const key = randomUUID();
    const [first, second] = await Promise.all([order(user, [{ partId: part.id, quantity: 1 }], key), order(user, [{ partId: part.id, quantity: 1 }], key)]);
    expect([first.status, second.status].sort()).toEqual(expect.arrayContaining([201]));
    expect(await stockOf(part.id)).toBe(9);
    expect((await ctx.http().get('/api/v1/orders').set(user.auth).expect(200)).body.data).toHaveLength(1);
  });
});

describe('an order\'s life', () => {
  it('is shipped by its seller, delivered as its buyer says, each step told to the listings; others get 404, wrong steps 409', async () => {
    const part = await createPart(ctx, sellerB, { price: mad(20_000), quantity: 4 });
    const user = await buyer(100_000);
    const placed = (await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0];

    const stranger = await buyer(0);
    expectProblem(await ctx.http().get(`/api/v1/orders/${placed.id}`).set(stranger.auth), 404, 'not-found');
    expectProblem(await act(sellerA, placed.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE123456789MA' }), 404, 'not-found');
    expectProblem(await act(user, placed.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE123456789MA' }), 403, 'forbidden');
    expectProblem(await act(user, placed.id, 'confirm-delivery'), 409, 'invalid-state-transition');

    const shipped = (await act(sellerB, placed.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE123456789MA' }).expect(200)).body;
    expect(shipped).toMatchObject({ status: 'shipped', tracking: { carrier: 'Amana', trackingNumber: 'EE123456789MA' } });
    expectProblem(await act(sellerB, placed.id, 'cancel', { reason: 'Too late now' }), 409, 'invalid-state-transition');
    const delivered = (await act(user, placed.id, 'confirm-delivery').expect(200)).body;
    expect(delivered.history.map((h: { to: string; actor: { type: string } }) => [h.to, h.actor.type])).toEqual([
      ['paid', 'buyer'],
      ['shipped', 'seller'],
      ['delivered', 'buyer'],
    ]);
    const types = (await ctx.http().get(`/api/v1/parts/${part.id}/history`).expect(200)).body.data.map((e: { type: string }) => e.type);
    expect(types.slice(-3)).toEqual(['part.reserved', 'part.shipped', 'part.delivered']);
    expect((await ctx.http().get(`/api/v1/parts/${part.id}/verify`).expect(200)).body).toMatchObject({ valid: true });
    // The money stays in escrow until the order completes (not built yet).
    expect(await balance(user)).toMatchObject({ available: mad(100_000 - 24_500), held: mad(24_500) });
  });

  it('is cancelled before shipping by its buyer or seller: the money back, the stock released, once', async () => {
    const part = await createPart(ctx, sellerA, { price: mad(30_000), quantity: 2 });
    const user = await buyer(100_000);
    const [first, second] = [(await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0], (await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0]];
    expect(await stockOf(part.id)).toBe(0);
    expectProblem(await act(admin, first.id, 'cancel', { reason: 'Admin tries' }), 403, 'forbidden');
    const byBuyer = (await act(user, first.id, 'cancel', { reason: 'Ordered the wrong size' }).expect(200)).body;
    expect(byBuyer).toMatchObject({ status: 'cancelled', history: [{ to: 'paid' }, { to: 'cancelled', actor: { type: 'buyer' }, reason: 'Ordered the wrong size' }] });
    await act(sellerA, second.id, 'cancel', { reason: 'Part damaged in storage' }).expect(200);
    expectProblem(await act(user, first.id, 'cancel', { reason: 'Again' }), 409, 'invalid-state-transition');
    expect(await balance(user)).toMatchObject({ available: mad(100_000), held: mad(0) });
    expect(await stockOf(part.id)).toBe(2);
    expect((await createTraceService(ctx.db, ctx.config, ctx.clock).chain({ type: 'part', id: part.id })).at(-1)).toMatchObject({ type: 'part.released' });
  });
});

describe('reading orders', () => {
  it('lists a buyer\'s, a seller\'s and every order, newest first, by status and page', async () => {
    const part = await createPart(ctx, sellerB, { price: mad(1_000), quantity: 50 });
    const user = await buyer(1_000_000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0].id);
    await act(sellerB, ids[0] as string, 'ship', { carrier: 'Amana', trackingNumber: 'EE000000001MA' }).expect(200);

    const first = (await ctx.http().get('/api/v1/orders?limit=2').set(user.auth).expect(200)).body;
    expect(first.data.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
    const rest = (await ctx.http().get(`/api/v1/orders?limit=2&cursor=${first.nextCursor}`).set(user.auth).expect(200)).body;
    expect(rest).toMatchObject({ data: [{ id: ids[0], status: 'shipped' }], nextCursor: null });
    const shipped = (await ctx.http().get('/api/v1/seller/orders?status=shipped').set(sellerB.auth).expect(200)).body.data;
    expect(shipped.map((o: { id: string }) => o.id)).toContain(ids[0]);
    expect(shipped.every((o: { status: string }) => o.status === 'shipped')).toBe(true);
    expect((await ctx.http().get('/api/v1/seller/orders').set(sellerA.auth).expect(200)).body.data.map((o: { id: string }) => o.id)).not.toContain(ids[0]);
    expect((await ctx.http().get(`/api/v1/orders/${ids[0]}`).set(sellerB.auth).expect(200)).body.id).toBe(ids[0]);
    expect((await ctx.http().get(`/api/v1/orders/${ids[0]}`).set(admin.auth).expect(200)).body.id).toBe(ids[0]);
    expect((await ctx.http().get('/api/v1/admin/orders?limit=100').set(admin.auth).expect(200)).body.data.length).toBeGreaterThanOrEqual(3);
    expectProblem(await ctx.http().get('/api/v1/admin/orders').set(user.auth), 403, 'forbidden');
    expectProblem(await ctx.http().get('/api/v1/seller/orders').set(user.auth), 403, 'forbidden');
  });
});

describe('the timed steps', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const run = () => createServices(ctx.db, ctx.config, ctx.clock).orders.runDueSteps();
  // Orders left over by earlier tests are moved too: each test looks at its own.
  const statusOf = async (user: TestUser, id: string) => (await ctx.http().get(`/api/v1/orders/${id}`).set(user.auth).expect(200)).body;

  it('deliver a shipped order the buyer forgot, then complete it when the return window closes: the seller paid less the commission', async () => {
    // A seller of its own: earlier tests' orders are moved by the same rounds.
    const sellerC = await createSeller(ctx);
    const part = await createPart(ctx, sellerC, { price: mad(40_000), coreCharge: mad(5_000), quantity: 3 });
    const user = await buyer(200_000);
    const placed = (await order(user, [{ partId: part.id, quantity: 2 }]).expect(201)).body.orders[0];
    // 2 × 400.00 + 2 × 50.00 core + 45.00 shipping = 945.00; 10 % of 800.00 = 80.00.
    expect(placed).toMatchObject({ total: mad(94_500), commission: mad(8_000) });
    await act(sellerC, placed.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE000000002MA' }).expect(200);
    const sellerCefore = (await balance(sellerC)).available.amount;

    // Not yet: a day before the auto-confirmation.
    ctx.clock.advance((ctx.config.orders.autoConfirmDays - 1) * DAY);
    await run();
    expect((await statusOf(user, placed.id)).status).toBe('shipped');
    ctx.clock.advance(DAY);
    await run();
    const delivered = await statusOf(user, placed.id);
    expect(delivered.status).toBe('delivered');
    expect(delivered.history.at(-1)).toMatchObject({ from: 'shipped', to: 'delivered', actor: { type: 'system', id: null } });
    expect(await balance(sellerC)).toMatchObject({ available: mad(sellerCefore) });

    ctx.clock.advance(ctx.config.orders.returnWindowDays * DAY);
    const [first, second] = await Promise.all([run(), run()]);
    expect(first.failed.concat(second.failed)).toEqual([]);
    const completed = await statusOf(user, placed.id);
    expect(completed.status).toBe('completed');
    // The seller got 945.00 − 80.00, the buyer's escrow is gone, and it happened once.
    expect(await balance(sellerC)).toMatchObject({ available: mad(sellerCefore + 86_500), held: mad(0) });
    expect(await balance(user)).toMatchObject({ available: mad(200_000 - 94_500), held: mad(0) });
    await run();
    expect(await balance(sellerC)).toMatchObject({ available: mad(sellerCefore + 86_500) });
    const events = await createTraceService(ctx.db, ctx.config, ctx.clock).chain({ type: 'part', id: part.id });
    expect(events.slice(-3).map((e) => [e.type, e.actor.type])).toEqual([
      ['part.shipped', 'user'],
      ['part.delivered', 'system'],
      ['part.sold', 'system'],
    ]);
    expect((await ctx.http().get(`/api/v1/parts/${part.id}/verify`).expect(200)).body).toMatchObject({ valid: true });
    // The sale's event cites the capture's events in the ledger's chains by hash: the seller's
    // wallet's latest event is among them.
    const sold = events.at(-1) as unknown as { payload: { ledger: { transactionId: string; events: { ledgerAccountId: string; hash: string }[] } } };
    const sellerAccount = (await ctx.db('ledger_accounts').where({ user_id: sellerC.id, kind: 'wallet' }).first('id')) as { id: string };
    const sellerChain = await createTraceService(ctx.db, ctx.config, ctx.clock).chain({ type: 'account', id: sellerAccount.id });
    expect(sold.payload.ledger.events).toContainEqual({ ledgerAccountId: sellerAccount.id, hash: sellerChain.at(-1)?.hash });
    expect((sellerChain.at(-1)?.payload as { transaction: { id: string } }).transaction.id).toBe(sold.payload.ledger.transactionId);
  });

  it('leave orders alone before their time, and paid ones always', async () => {
    const part = await createPart(ctx, sellerA, { price: mad(10_000), quantity: 3 });
    const user = await buyer(100_000);
    const [paid, shipped] = [(await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0], (await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0]];
    await act(sellerA, shipped.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE000000003MA' }).expect(200);
    await act(user, shipped.id, 'confirm-delivery').expect(200);
    ctx.clock.advance(DAY);
    await run();
    expect([(await statusOf(user, paid.id)).status, (await statusOf(user, shipped.id)).status]).toEqual(['paid', 'delivered']);
    ctx.clock.advance(365 * DAY);
    await run();
    expect([(await statusOf(user, paid.id)).status, (await statusOf(user, shipped.id)).status]).toEqual(['paid', 'completed']);
  });
});

describe('returns', () => {
  /** An order of one listing, shipped and delivered, from a seller of its own. */
  async function delivered(price: number, quantity = 1) {
    const seller = await createSeller(ctx);
    const part = await createPart(ctx, seller, { price: mad(price), quantity: 5 });
    const user = await buyer(500_000);
    const placed = (await order(user, [{ partId: part.id, quantity }]).expect(201)).body.orders[0];
    await act(seller, placed.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE000000009MA' }).expect(200);
    await act(user, placed.id, 'confirm-delivery').expect(200);
    return { seller, part, user, placed };
  }

  it('goes requested, accepted, received and restocked, then refunded in full: the buyer gets everything back, the seller nothing', async () => {
    const { seller, part, user, placed } = await delivered(30_000, 2);
    expectProblem(await act(user, placed.id, 'return-accept'), 403, 'forbidden');
    expectProblem(await act(seller, placed.id, 'return-request', { reason: 'defective' }), 403, 'forbidden');
    const requested = (await act(user, placed.id, 'return-request', { reason: 'defective', details: 'The pads squeal from the first use.' }).expect(200)).body;
    expect(requested).toMatchObject({ status: 'return_requested', return: { reason: 'defective', details: 'The pads squeal from the first use.' }, refunded: null });
    expectProblem(await act(seller, placed.id, 'refund', {}), 409, 'invalid-state-transition');
    await act(seller, placed.id, 'return-accept').expect(200);
    await act(seller, placed.id, 'return-received', { restock: true }).expect(200);
    expect(await stockOf(part.id)).toBe(5);
    const sellerBefore = (await balance(seller)).available.amount;
    const refunded = (await act(seller, placed.id, 'refund', {}).expect(200)).body;
    expect(refunded).toMatchObject({ status: 'refunded', refunded: mad(64_500) });
    expect(await balance(user)).toMatchObject({ available: mad(500_000), held: mad(0) });
    expect((await balance(seller)).available.amount).toBe(sellerBefore);
    const types = (await createTraceService(ctx.db, ctx.config, ctx.clock).chain({ type: 'part', id: part.id })).map((e) => e.type);
    expect(types.slice(-4)).toEqual(['part.delivered', 'part.returned', 'part.released', 'part.refunded']);
    // Settled: the job leaves it alone.
    ctx.clock.advance(400 * 24 * 60 * 60 * 1000);
    await createServices(ctx.db, ctx.config, ctx.clock).orders.runDueSteps();
    expect((await ctx.http().get(`/api/v1/orders/${placed.id}`).set(user.auth).expect(200)).body.status).toBe('refunded');
  });

  it('refunds part of a returned order: the seller keeps the rest, less the commission in proportion', async () => {
    const { seller, user, placed } = await delivered(100_000);
    // Total 1,045.00 (1,000.00 + 45.00 shipping), commission 100.00.
    await act(user, placed.id, 'return-request', { reason: 'not_as_described' }).expect(200);
    await act(seller, placed.id, 'return-accept').expect(200);
    await act(seller, placed.id, 'return-received', { restock: false }).expect(200);
    expectProblem(await act(seller, placed.id, 'refund', { amount: mad(104_501) }), 400, 'validation-error');
    const sellerBefore = (await balance(seller)).available.amount;
    await act(seller, placed.id, 'refund', { amount: mad(20_900) }).expect(200);
    // The seller keeps 836.00 of 1,045.00: four fifths, so four fifths of the commission (80.00) go to the platform.
    expect((await balance(seller)).available.amount - sellerBefore).toBe(83_600 - 8_000);
    expect(await balance(user)).toMatchObject({ available: mad(500_000 - 104_500 + 20_900), held: mad(0) });
  });

  it('refused by the seller, completes when the return window closes', async () => {
    const { seller, user, placed } = await delivered(10_000);
    await act(user, placed.id, 'return-request', { reason: 'other' }).expect(200);
    const rejected = (await act(seller, placed.id, 'return-reject', { reason: 'Fitted and damaged by the garage' }).expect(200)).body;
    expect(rejected.history.at(-1)).toMatchObject({ to: 'return_rejected', reason: 'Fitted and damaged by the garage' });
    ctx.clock.advance((ctx.config.orders.returnWindowDays + 1) * 24 * 60 * 60 * 1000);
    await createServices(ctx.db, ctx.config, ctx.clock).orders.runDueSteps();
    expect((await ctx.http().get(`/api/v1/orders/${placed.id}`).set(user.auth).expect(200)).body.status).toBe('completed');
  });
});

describe('disputes', () => {
  async function shippedOrder(price: number) {
    const seller = await createSeller(ctx);
    const part = await createPart(ctx, seller, { price: mad(price), quantity: 5 });
    const user = await buyer(500_000);
    const placed = (await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0];
    await act(seller, placed.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE000000010MA' }).expect(200);
    return { seller, part, user, placed };
  }
  const resolve = (orderId: string, body: object) => ctx.http().post(`/api/v1/admin/orders/${orderId}/resolve`).set(admin.auth).set('Idempotency-Key', randomUUID()).send(body);

  it('freeze the escrow until an admin refunds the buyer', async () => {
    const { seller, user, placed } = await shippedOrder(50_000);
    const paid = (await order(user, [{ partId: (await createPart(ctx, seller, { price: mad(1_000) })).id, quantity: 1 }]).expect(201)).body.orders[0];
    expectProblem(await act(user, paid.id, 'dispute', { reason: 'Not shipped yet' }), 409, 'invalid-state-transition');
    const disputed = (await act(user, placed.id, 'dispute', { reason: 'The parcel arrived empty' }).expect(200)).body;
    expect(disputed).toMatchObject({ status: 'disputed', dispute: { reason: 'The parcel arrived empty' } });
    // Frozen: no delivery by the buyer, no timed step.
    expectProblem(await act(user, placed.id, 'confirm-delivery'), 409, 'invalid-state-transition');
    ctx.clock.advance(400 * 24 * 60 * 60 * 1000);
    await createServices(ctx.db, ctx.config, ctx.clock).orders.runDueSteps();
    expect((await ctx.http().get(`/api/v1/orders/${placed.id}`).set(user.auth).expect(200)).body.status).toBe('disputed');
    expectProblem(await ctx.http().post(`/api/v1/admin/orders/${placed.id}/resolve`).set(user.auth).set('Idempotency-Key', randomUUID()).send({ outcome: 'refund', reason: 'Self-service' }), 403, 'forbidden');

    const resolved = (await resolve(placed.id, { outcome: 'refund', reason: 'Carrier confirmed the parcel was empty' }).expect(200)).body;
    expect(resolved).toMatchObject({ status: 'refunded', refunded: mad(54_500) });
    expect(resolved.history.at(-1)).toMatchObject({ to: 'refunded', actor: { type: 'admin', id: admin.id }, reason: 'Carrier confirmed the parcel was empty' });
    expectProblem(await resolve(placed.id, { outcome: 'release', reason: 'Changed my mind' }), 409, 'invalid-state-transition');
    expect((await balance(user)).held).toEqual(mad(1_000 + 4_500));
  });

  it('end with the escrow released to the seller, less the commission', async () => {
    const { seller, user, placed } = await shippedOrder(50_000);
    await act(user, placed.id, 'confirm-delivery').expect(200);
    await act(user, placed.id, 'dispute', { reason: 'The seller does not answer' }).expect(200);
    const before = (await balance(seller)).available.amount;
    expect((await resolve(placed.id, { outcome: 'release', reason: 'The part matches its listing' }).expect(200)).body.status).toBe('completed');
    expect((await balance(seller)).available.amount - before).toBe(54_500 - 5_000);
    expect(await balance(user)).toMatchObject({ available: mad(500_000 - 54_500), held: mad(0) });
  });
});

describe('reviews and the comparator', () => {
  it('rate a completed order once; the directory and the comparator show the seller\'s average and the listing\'s defect rate', async () => {
    const seller = await createSeller(ctx);
    const part = await createPart(ctx, seller, { price: mad(15_000), quantity: 10 });
    const number = part.partNumbers[0]?.number as string;
    const offer = async () => (await ctx.http().get(`/api/v1/parts/compare?partNumber=${encodeURIComponent(number)}`).expect(200)).body.offers.find((o: { partId: string }) => o.partId === part.id);
    expect(await offer()).toMatchObject({ sellerRating: null, defectRate: { defective: 0, sold: 0, rate: null } });

    const [happy, unhappy] = [await buyer(100_000), await buyer(100_000)];
    const orders: string[] = [];
    for (const user of [happy, unhappy]) {
      const placed = (await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0];
      await act(seller, placed.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE000000011MA' }).expect(200);
      await act(user, placed.id, 'confirm-delivery').expect(200);
      orders.push(placed.id);
    }
    const [kept, returned] = orders as [string, string];
    await act(unhappy, returned, 'return-request', { reason: 'defective' }).expect(200);
    await act(seller, returned, 'return-accept').expect(200);
    await act(seller, returned, 'return-received', { restock: false }).expect(200);
    expectProblem(await act(happy, kept, 'review', { rating: 4 }), 409, 'invalid-state-transition');

    ctx.clock.advance((ctx.config.orders.returnWindowDays + 1) * 24 * 60 * 60 * 1000);
    await createServices(ctx.db, ctx.config, ctx.clock).orders.runDueSteps();
    expectProblem(await act(unhappy, kept, 'review', { rating: 1 }), 404, 'not-found');
    const reviewed = (await act(happy, kept, 'review', { rating: 4, comment: 'Fits, well packed.' }).expect(200)).body;
    expect(reviewed.review).toMatchObject({ rating: 4, comment: 'Fits, well packed.' });
    expectProblem(await act(happy, kept, 'review', { rating: 5 }), 409, 'invalid-state-transition');
    expectProblem(await act(happy, kept, 'review', { rating: 6 }), 400, 'validation-error');

    expect((await ctx.http().get(`/api/v1/sellers/${seller.sellerId}`).expect(200)).body.rating).toEqual({ average: 4, count: 1 });
    expect(await offer()).toMatchObject({ sellerRating: 4, defectRate: { defective: 1, sold: 2, rate: 0.5 } });
  });
});

describe('core returns', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const TRACKING = { carrier: 'Amana', trackingNumber: 'EE777000111MA' };
  async function deliveredWithCore() {
    const seller = await createSeller(ctx);
    const part = await createPart(ctx, seller, { price: mad(60_000), coreCharge: mad(15_000), quantity: 5 });
    const user = await buyer(500_000);
    const placed = (await order(user, [{ partId: part.id, quantity: 1 }]).expect(201)).body.orders[0];
    await act(seller, placed.id, 'ship', { carrier: 'Amana', trackingNumber: 'EE000000012MA' }).expect(200);
    await act(user, placed.id, 'confirm-delivery').expect(200);
    // Total 795.00: 600.00, a core charge of 150.00, 45.00 shipping; commission 60.00.
    expect(placed).toMatchObject({ total: mad(79_500), coreCharges: mad(15_000), commission: mad(6_000) });
    return { seller, part, user, placed };
  }
  const settle = async () => {
    ctx.clock.advance((ctx.config.orders.returnWindowDays + 1) * DAY);
    await createServices(ctx.db, ctx.config, ctx.clock).orders.runDueSteps();
  };

  it('received before the order settles: the core charge goes back from escrow when it does, the seller paid the rest', async () => {
    const { seller, part, user, placed } = await deliveredWithCore();
    expectProblem(await act(seller, placed.id, 'core-received'), 409, 'invalid-state-transition');
    const sent = (await act(user, placed.id, 'core-return', TRACKING).expect(200)).body;
    expect(sent.coreReturn).toEqual({ status: 'sent', tracking: TRACKING, refunded: null });
    expectProblem(await act(user, placed.id, 'core-return', TRACKING), 409, 'invalid-state-transition');
    await act(seller, placed.id, 'core-received').expect(200);
    const before = (await balance(seller)).available.amount;
    await settle();
    const done = (await ctx.http().get(`/api/v1/orders/${placed.id}`).set(user.auth).expect(200)).body;
    expect(done).toMatchObject({ status: 'completed', coreReturn: { status: 'received', refunded: mad(15_000) } });
    expect((await balance(seller)).available.amount - before).toBe(79_500 - 15_000 - 6_000);
    expect(await balance(user)).toMatchObject({ available: mad(500_000 - 79_500 + 15_000), held: mad(0) });
    const types = (await createTraceService(ctx.db, ctx.config, ctx.clock).chain({ type: 'part', id: part.id })).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['part.core_returned', 'part.sold']);
  });

  it('received after the order settled: the seller pays the core charge back at once; refused where there is none or too early', async () => {
    const { seller, user, placed } = await deliveredWithCore();
    await settle();
    await act(user, placed.id, 'core-return', TRACKING).expect(200);
    const before = [(await balance(seller)).available.amount, (await balance(user)).available.amount];
    const received = (await act(seller, placed.id, 'core-received').expect(200)).body;
    expect(received.coreReturn).toMatchObject({ status: 'received', refunded: mad(15_000) });
    expect([(await balance(seller)).available.amount, (await balance(user)).available.amount]).toEqual([(before[0] as number) - 15_000, (before[1] as number) + 15_000]);
    expectProblem(await act(seller, placed.id, 'core-received'), 409, 'invalid-state-transition');

    const plain = await createPart(ctx, seller, { price: mad(1_000), quantity: 2 });
    const noCore = (await order(user, [{ partId: plain.id, quantity: 1 }]).expect(201)).body.orders[0];
    expectProblem(await act(user, noCore.id, 'core-return', TRACKING), 409, 'invalid-state-transition');
    const early = (await order(user, [{ partId: (await createPart(ctx, seller, { price: mad(1_000), coreCharge: mad(500), quantity: 2 })).id, quantity: 1 }]).expect(201)).body.orders[0];
    expectProblem(await act(user, early.id, 'core-return', TRACKING), 409, 'invalid-state-transition');
  });
});

describe('after every path above', () => {
  it('escrow holds exactly the unsettled orders, money adds up, every listing\'s history verifies, the ledger and the log reconcile', async () => {
    const settled = ['completed', 'cancelled', 'refunded'];
    const open = (await ctx.db('orders').whereNotIn('status', settled).sum({ n: 'total' }))[0] as { n: number | string | null };
    const escrow = (await ctx.db('ledger_accounts').where({ kind: 'escrow' }).first('held')) as { held: number | string } | undefined;
    expect(Number(escrow?.held ?? 0)).toBe(Number(open.n ?? 0));
    // Users' wallets, the fees and escrow hold what came in less what went out.
    const sum = async (q: ReturnType<typeof ctx.db>) => Number(((await q) as { n: number | string | null }[])[0]?.n ?? 0);
    const inside = await sum(ctx.db('ledger_accounts').whereIn('kind', ['wallet', 'fees', 'escrow']).sum({ n: ctx.db.raw('available + held') }));
    const deposits = await sum(ctx.db('ledger_transactions').where({ kind: 'deposit' }).sum({ n: 'amount' }));
    const payouts = await sum(ctx.db('ledger_transactions').where({ kind: 'payout' }).sum({ n: 'amount' }));
    expect(inside).toBe(deposits - payouts);
    const parts = (await ctx.db('parts').whereNot('status', 'draft').select('id')) as { id: string }[];
    for (const { id } of parts) expect((await ctx.http().get(`/api/v1/parts/${id}/verify`).expect(200)).body).toMatchObject({ valid: true });
    await createTraceService(ctx.db, ctx.config, ctx.clock).integrate();
    expect((await createServices(ctx.db, ctx.config, ctx.clock).wallet.reconcile()).violations).toEqual([]);
  });
});
