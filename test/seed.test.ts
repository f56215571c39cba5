import { useTestContext } from './helpers/context';
import { DEMO_BUYERS, DEMO_PASSWORD, DEMO_SELLERS, seedDemo } from '../src/seed/demo';
import { ensureAdmin } from '../src/modules/auth/admin-bootstrap';
import { login } from './helpers/factories';
import { reconcileLedger } from '../src/modules/wallet/reconcile';

const ctx = useTestContext();

describe('demo data', () => {
  it('seeds verified sellers of several types in Moroccan cities, buyers and the admin, idempotently', async () => {
    const first = await seedDemo(ctx.db, ctx.config);
    expect(first.created).toBe(DEMO_BUYERS.length + DEMO_SELLERS.length);
    const counts = async () => ({
      users: (await ctx.db('users').count({ n: '*' }))[0],
      profiles: (await ctx.db('seller_profiles').count({ n: '*' }))[0],
      events: (await ctx.db('seller_status_events').count({ n: '*' }))[0],
    });
    const before = await counts();
    const second = await seedDemo(ctx.db, ctx.config);
    expect(second.created).toBe(0);
    expect(second.ordersPlaced).toBe(0);
    expect(await counts()).toEqual(before);

    // A living marketplace: orders in every state a newcomer should see, the ledger and the
    // listings' histories in agreement.
    expect(first.ordersPlaced).toBeGreaterThanOrEqual(8);
    const statuses = ((await ctx.db('orders').select('status')) as { status: string }[]).map((o) => o.status);
    expect(new Set(statuses)).toEqual(new Set(['paid', 'shipped', 'delivered', 'completed', 'cancelled', 'return_requested', 'refunded', 'disputed']));
    expect((await reconcileLedger(ctx.db)).violations).toEqual([]);
    const buyer = await login(ctx, DEMO_BUYERS[0]!.email, DEMO_PASSWORD);
    const mine = (await ctx.http().get('/api/v1/orders?limit=100').set(buyer.auth).expect(200)).body.data;
    expect(mine.length).toBeGreaterThanOrEqual(4);
    expect((await ctx.http().get('/api/v1/wallet').set(buyer.auth).expect(200)).body.held.amount).toBeGreaterThan(0);

    const directory = await ctx.http().get('/api/v1/sellers?limit=100').expect(200);
    expect(directory.body.data).toHaveLength(DEMO_SELLERS.length);
    expect(new Set(directory.body.data.map((s: { sellerType: string }) => s.sellerType)).size).toBeGreaterThanOrEqual(5);
    expect(directory.body.data.map((s: { city: string }) => s.city)).toEqual(expect.arrayContaining(['Casablanca', 'Rabat', 'Marrakech']));
    await login(ctx, DEMO_BUYERS[0]!.email, DEMO_PASSWORD);
    await login(ctx, ctx.config.admin!.email, ctx.config.admin!.password);
    // The README's walkthrough compares this number: several sellers must offer it.
    const compared = await ctx.http().get('/api/v1/parts/compare?partNumber=8109.33').expect(200);
    expect(new Set(compared.body.offers.map((o: { seller: { id: string } }) => o.seller.id)).size).toBeGreaterThanOrEqual(3);
  });

  it('refuses to run in production', async () => {
    await expect(seedDemo(ctx.db, { ...ctx.config, nodeEnv: 'production' })).rejects.toThrow(/never seeded in production/);
  });
});

describe('admin bootstrap', () => {
  it('creates an admin once, resets its password on request, and never promotes another account', async () => {
    const creds = { email: 'Ops@Otomoto.ma', password: 'ops-password-123' };
    expect(await ensureAdmin(ctx.db, ctx.config, creds)).toBe('created');
    expect(await ensureAdmin(ctx.db, ctx.config, { ...creds, password: 'ignored-password' })).toBe('exists');
    await login(ctx, 'ops@otomoto.ma', 'ops-password-123');
    expect(await ensureAdmin(ctx.db, ctx.config, { ...creds, password: 'new-ops-password' }, { resetPassword: true })).toBe('password-reset');
    await login(ctx, 'ops@otomoto.ma', 'new-ops-password');
    await expect(ensureAdmin(ctx.db, ctx.config, { email: DEMO_BUYERS[0]!.email, password: 'whatever-123456' })).rejects.toThrow(/refusing/);
  });
});
