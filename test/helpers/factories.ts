import type { components } from '../../src/generated/api';
import { randomBytes } from 'node:crypto';
import type { TestContext } from './context';

export const PASSWORD = 'a-very-long-password-1';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

const uniqueEmail = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}@example.ma`;

export async function login(ctx: TestContext, email: string, password: string): Promise<Omit<TestUser, 'id'>> {
  const res = await ctx.http().post('/api/v1/auth/login').send({ email, password }).expect(200);
  return {
    email,
    password,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    auth: { Authorization: `Bearer ${res.body.accessToken}` },
  };
}

export async function registerUser(ctx: TestContext, role: 'buyer' | 'seller' = 'buyer', displayName = 'Test User'): Promise<TestUser> {
  const email = uniqueEmail(role);
  const res = await ctx.http().post('/api/v1/auth/register').send({ email, password: PASSWORD, displayName, role }).expect(201);
  return { id: res.body.id, ...(await login(ctx, email, PASSWORD)) };
}

export async function loginAdmin(ctx: TestContext): Promise<TestUser> {
  const admin = ctx.config.admin as { email: string; password: string };
  const tokens = await login(ctx, admin.email, admin.password);
  const me = await ctx.http().get('/api/v1/me').set(tokens.auth).expect(200);
  return { id: me.body.id, ...tokens };
}

export const profileInput = (overrides: Record<string, unknown> = {}) => ({
  legalName: 'Garage Atlas SARL',
  sellerType: 'retailer',
  registrationNumber: 'RC-123456',
  city: 'Casablanca',
  country: 'MA',
  phone: '+212522000000',
  shippingFee: { amount: 4500, currency: 'MAD' },
  ...overrides,
});

/** A seller user with a profile, verified by the admin unless told otherwise. */
export async function createSeller(
  ctx: TestContext,
  options: { verify?: boolean; profile?: Record<string, unknown> } = {},
): Promise<TestUser & { sellerId: string }> {
  const seller = await registerUser(ctx, 'seller');
  const res = await ctx.http().put('/api/v1/me/seller-profile').set(seller.auth).send(profileInput(options.profile)).expect(201);
  if (options.verify !== false) {
    const admin = await loginAdmin(ctx);
    await ctx.http().post(`/api/v1/admin/sellers/${res.body.id}/verify`).set(admin.auth).send({ reason: 'Documents checked' }).expect(200);
  }
  return { ...seller, sellerId: res.body.id };
}

export const partInput = (overrides: Record<string, unknown> = {}) => ({
  title: 'Plaquettes de frein avant',
  description: 'Pièce contrôlée, montage sans modification.',
  category: 'brakes',
  brand: 'Bosch',
  partNumbers: [{ number: `T-${randomBytes(4).toString('hex').toUpperCase()}`, kind: 'aftermarket' }],
  origin: 'aftermarket',
  condition: 'new',
  price: { amount: 34900, currency: 'MAD' },
  quantity: 12,
  location: { city: 'Casablanca', country: 'MA' },
  fitment: [{ make: 'Dacia', model: 'Logan', yearFrom: 2012, yearTo: 2020 }],
  ...overrides,
});

/** Lists a part as the given seller; returns the created listing. */
export async function createPart(ctx: TestContext, seller: TestUser, overrides: Record<string, unknown> = {}): Promise<components['schemas']['Part']> {
  const res = await ctx.http().post('/api/v1/parts').set(seller.auth).send(partInput(overrides));
  if (res.status !== 201) throw new Error(`createPart failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
