import { useTestContext } from './helpers/context';
import { createSeller, loginAdmin, profileInput, registerUser, type TestUser } from './helpers/factories';
import { expectProblem, fieldPaths } from './helpers/problems';

const ctx = useTestContext();
let admin: TestUser;
beforeAll(async () => {
  admin = await loginAdmin(ctx);
});

const PROFILE = '/api/v1/me/seller-profile';
const adminAction = (sellerId: string, action: string, reason = 'Checked against the trade register') =>
  ctx.http().post(`/api/v1/admin/sellers/${sellerId}/${action}`).set(admin.auth).send({ reason });

describe('a seller manages its own profile', () => {
  it('creates a pending profile with PUT, then reads it with its ETag', async () => {
    const seller = await registerUser(ctx, 'seller');
    expectProblem(await ctx.http().get(PROFILE).set(seller.auth), 404, 'not-found');
    const created = await ctx.http().put(PROFILE).set(seller.auth).send(profileInput()).expect(201);
    expect(created.body).toMatchObject({ userId: seller.id, status: 'pending', sellerTypeLabel: 'Détaillant', version: 1, lastStatusChange: null });
    expect(created.headers.etag).toBe('"1"');
    expect(created.body.shippingFee).toEqual({ amount: 4500, currency: 'MAD' }); // an integer, even from PostgreSQL's bigint
    const read = await ctx.http().get(PROFILE).set(seller.auth).expect(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.etag).toBe('"1"');
  });

  it('replaces it with PUT (200) and patches it, bumping the version', async () => {
    const seller = await createSeller(ctx, { verify: false });
    const replaced = await ctx.http().put(PROFILE).set(seller.auth).send(profileInput({ city: 'Rabat' })).expect(200);
    expect(replaced.body).toMatchObject({ city: 'Rabat', version: 2 });
    const patched = await ctx.http().patch(PROFILE).set(seller.auth).set('If-Match', '"2"').send({ phone: '+212600000001' }).expect(200);
    expect(patched.body).toMatchObject({ city: 'Rabat', phone: '+212600000001', version: 3 });
    expect(patched.headers.etag).toBe('"3"');
  });

  it('refuses a stale If-Match with 412 and changes nothing', async () => {
    const seller = await createSeller(ctx, { verify: false });
    await ctx.http().patch(PROFILE).set(seller.auth).send({ city: 'Tanger' }).expect(200);
    expectProblem(await ctx.http().patch(PROFILE).set(seller.auth).set('If-Match', '"1"').send({ city: 'Oujda' }), 412, 'precondition-failed');
    expectProblem(await ctx.http().put(PROFILE).set(seller.auth).set('If-Match', '"1"').send(profileInput()), 412, 'precondition-failed');
    expect((await ctx.http().get(PROFILE).set(seller.auth)).body.city).toBe('Tanger');
  });

  it('requires a registration number unless the seller is an individual', async () => {
    const seller = await registerUser(ctx, 'seller');
    const missing = await ctx.http().put(PROFILE).set(seller.auth).send(profileInput({ registrationNumber: undefined }));
    expectProblem(missing, 400, 'validation-error');
    expect(fieldPaths(missing)).toEqual(['/body/registrationNumber']);
    const individual = await ctx.http().put(PROFILE).set(seller.auth).send(profileInput({ registrationNumber: undefined, sellerType: 'individual' })).expect(201);
    expect(individual.body).toMatchObject({ registrationNumber: null, sellerTypeLabel: 'Particuliers' });
    expectProblem(await ctx.http().patch(PROFILE).set(seller.auth).send({ sellerType: 'wholesaler' }), 400, 'validation-error');
  });

  it('refuses bad money, unknown types, bad phones and unknown fields', async () => {
    const seller = await registerUser(ctx, 'seller');
    const cases: [Record<string, unknown>, string][] = [
      [{ shippingFee: { amount: 45.5, currency: 'MAD' } }, '/body/shippingFee/amount'],
      [{ shippingFee: { amount: '4500', currency: 'MAD' } }, '/body/shippingFee/amount'],
      [{ shippingFee: { amount: -1, currency: 'MAD' } }, '/body/shippingFee/amount'],
      [{ shippingFee: { amount: 4500, currency: 'EUR' } }, '/body/shippingFee/currency'],
      [{ sellerType: 'garage' }, '/body/sellerType'],
      [{ phone: '0522000000' }, '/body/phone'],
      [{ country: 'Morocco' }, '/body/country'],
      [{ status: 'verified' }, '/body/status'],
      [{ id: '0193a5b2-7c1e-7d4f-9a0b-3c2d1e0f4a5b' }, '/body/id'],
    ];
    for (const [override, path] of cases) {
      const res = await ctx.http().put(PROFILE).set(seller.auth).send(profileInput(override));
      expectProblem(res, 400, 'validation-error');
      expect(fieldPaths(res)).toContain(path);
    }
    expect(await ctx.db('seller_profiles').where({ user_id: seller.id })).toHaveLength(0);
  });

  it('is only for seller accounts', async () => {
    const buyer = await registerUser(ctx, 'buyer');
    expectProblem(await ctx.http().put(PROFILE).set(buyer.auth).send(profileInput()), 403, 'forbidden');
    expectProblem(await ctx.http().get(PROFILE).set(admin.auth), 403, 'forbidden');
  });

  it('sends a verified profile back to review when its legal identity changes', async () => {
    const seller = await createSeller(ctx);
    const moved = await ctx.http().patch(PROFILE).set(seller.auth).send({ city: 'Meknès' }).expect(200);
    expect(moved.body.status).toBe('verified');
    const renamed = await ctx.http().patch(PROFILE).set(seller.auth).send({ legalName: 'Another Company SARL' }).expect(200);
    expect(renamed.body.status).toBe('pending');
    expect(renamed.body.lastStatusChange).toMatchObject({ status: 'pending', actorId: seller.id });
  });
});

describe('admins review seller profiles', () => {
  it('verifies a pending seller, recording who, when and why', async () => {
    const seller = await createSeller(ctx, { verify: false });
    const queue = await ctx.http().get('/api/v1/admin/sellers?status=pending&limit=100').set(admin.auth).expect(200);
    expect(queue.body.data.map((p: { id: string }) => p.id)).toContain(seller.sellerId);
    const res = await adminAction(seller.sellerId, 'verify').expect(200);
    expect(res.body.status).toBe('verified');
    expect(res.body.lastStatusChange).toMatchObject({ status: 'verified', reason: 'Checked against the trade register', actorId: admin.id });
    expect(Date.parse(res.body.lastStatusChange.at)).toBeGreaterThan(Date.now() - 60_000);
    const own = await ctx.http().get(PROFILE).set(seller.auth).expect(200);
    expect(own.body.lastStatusChange.actorId).toBe(admin.id);
    const events = await ctx.db('seller_status_events').where({ seller_id: seller.sellerId });
    expect(events).toEqual([expect.objectContaining({ from_status: 'pending', to_status: 'verified', actor_id: admin.id })]);
  });

  it('rejects only pending sellers and suspends verified ones', async () => {
    const pending = await createSeller(ctx, { verify: false });
    await adminAction(pending.sellerId, 'reject', 'Registration number does not match').expect(200);
    expectProblem(await adminAction(pending.sellerId, 'suspend'), 409, 'invalid-state-transition');
    expectProblem(await adminAction(pending.sellerId, 'reject'), 409, 'invalid-state-transition');
    const verified = await createSeller(ctx);
    expectProblem(await adminAction(verified.sellerId, 'reject'), 409, 'invalid-state-transition');
    expectProblem(await adminAction(verified.sellerId, 'verify'), 409, 'invalid-state-transition');
    const suspended = await adminAction(verified.sellerId, 'suspend', 'Counterfeit parts reported').expect(200);
    expect(suspended.body.status).toBe('suspended');
    await adminAction(verified.sellerId, 'verify', 'Investigation closed').expect(200);
  });

  it('needs a reason, an admin and an existing seller', async () => {
    const seller = await createSeller(ctx, { verify: false });
    expectProblem(await ctx.http().post(`/api/v1/admin/sellers/${seller.sellerId}/verify`).set(admin.auth).send({}), 400, 'validation-error');
    expectProblem(await ctx.http().post(`/api/v1/admin/sellers/${seller.sellerId}/verify`).set(seller.auth).send({ reason: 'Trust me' }), 403, 'forbidden');
    expectProblem(await adminAction('0193a5b2-7c1e-7d4f-9a0b-3c2d1e0f4a5b', 'verify'), 404, 'not-found');
    expect((await ctx.http().get(PROFILE).set(seller.auth)).body.status).toBe('pending');
  });
});

describe('the public seller directory', () => {
  let casablancaScrapyard: string;
  let rabatRetailer: string;
  let pendingSeller: string;
  let suspendedAccountSeller: string;
  beforeAll(async () => {
    casablancaScrapyard = (await createSeller(ctx, { profile: { sellerType: 'scrapyard', city: 'Casablanca' } })).sellerId;
    rabatRetailer = (await createSeller(ctx, { profile: { sellerType: 'retailer', city: 'Rabat' } })).sellerId;
    pendingSeller = (await createSeller(ctx, { verify: false, profile: { city: 'Rabat' } })).sellerId;
    const suspended = await createSeller(ctx, { profile: { city: 'Rabat' } });
    suspendedAccountSeller = suspended.sellerId;
    await ctx.http().post(`/api/v1/admin/users/${suspended.id}/suspend`).set(admin.auth).send({ reason: 'Fraud' }).expect(200);
  });

  const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((s) => s.id);

  it('lists verified sellers of active accounts only, without private fields', async () => {
    const res = await ctx.http().get('/api/v1/sellers?limit=100').expect(200);
    expect(ids(res)).toEqual(expect.arrayContaining([casablancaScrapyard, rabatRetailer]));
    expect(ids(res)).not.toContain(pendingSeller);
    expect(ids(res)).not.toContain(suspendedAccountSeller);
    for (const seller of res.body.data) {
      expect(Object.keys(seller).sort()).toEqual(['city', 'country', 'id', 'legalName', 'rating', 'sellerType', 'sellerTypeLabel', 'shippingFee', 'verifiedAt']);
    }
  });

  it('takes a seller whose account is suspended out of the directory, and back on reactivation', async () => {
    const seller = await createSeller(ctx, { profile: { city: 'Oujda' } });
    await ctx.http().post(`/api/v1/admin/users/${seller.id}/suspend`).set(admin.auth).send({ reason: 'Fraud' }).expect(200);
    expectProblem(await ctx.http().get(`/api/v1/sellers/${seller.sellerId}`), 404, 'not-found');
    await ctx.http().post(`/api/v1/admin/users/${seller.id}/reactivate`).set(admin.auth).send({ reason: 'Cleared' }).expect(200);
    await ctx.http().get(`/api/v1/sellers/${seller.sellerId}`).expect(200);
    expect(ids(await ctx.http().get('/api/v1/sellers?city=oujda').expect(200))).toEqual([seller.sellerId]);
  });

  it('filters by type and by city, ignoring case and accents', async () => {
    const scrapyards = await ctx.http().get('/api/v1/sellers?sellerType=scrapyard&limit=100').expect(200);
    expect(ids(scrapyards)).toContain(casablancaScrapyard);
    expect(scrapyards.body.data.every((s: { sellerType: string }) => s.sellerType === 'scrapyard')).toBe(true);
    const rabat = await ctx.http().get('/api/v1/sellers?city=RABAT&limit=100').expect(200);
    expect(ids(rabat)).toContain(rabatRetailer);
    expect(ids(rabat)).not.toContain(casablancaScrapyard);
    const fes = await createSeller(ctx, { profile: { city: 'Fès' } });
    expect(ids(await ctx.http().get('/api/v1/sellers?city=fes').expect(200))).toEqual([fes.sellerId]);
  });

  it('shows one verified seller and hides the others behind 404', async () => {
    const res = await ctx.http().get(`/api/v1/sellers/${rabatRetailer}`).expect(200);
    expect(res.body).toMatchObject({ id: rabatRetailer, city: 'Rabat', sellerTypeLabel: 'Détaillant' });
    expect(res.body.phone).toBeUndefined();
    expectProblem(await ctx.http().get(`/api/v1/sellers/${pendingSeller}`), 404, 'not-found');
    expectProblem(await ctx.http().get(`/api/v1/sellers/${suspendedAccountSeller}`), 404, 'not-found');
  });
});

describe('BOLA: nobody reaches another seller\'s private profile', () => {
  it('a seller only ever sees and edits its own profile', async () => {
    const alice = await createSeller(ctx, { profile: { legalName: 'Alice Pieces' } });
    const bob = await registerUser(ctx, 'seller');
    expectProblem(await ctx.http().get(PROFILE).set(bob.auth), 404, 'not-found');
    await ctx.http().patch(PROFILE).set(bob.auth).send({ legalName: 'Hijacked' }).expect(404);
    const own = await ctx.http().put(PROFILE).set(bob.auth).send(profileInput({ legalName: 'Bob Pieces' })).expect(201);
    expect(own.body.id).not.toBe(alice.sellerId);
    expect((await ctx.http().get(PROFILE).set(alice.auth)).body.legalName).toBe('Alice Pieces');
  });
});
