import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../src/generated/api';
import { useTestContext } from '../helpers/context';

/**
 * The marketplace as a client application sees it: a real listening server, driven only through a
 * client typed from the contract (openapi-typescript's `paths` with openapi-fetch). No URL is
 * written by hand and no request or response type either: a change of the contract that breaks
 * clients breaks this file's compilation.
 */
const ctx = useTestContext();
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = ctx.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A client for one caller; with a token, every request carries it. */
function clientFor(accessToken?: string) {
  const client = createClient<paths>({ baseUrl });
  if (accessToken) {
    const bearer: Middleware = {
      onRequest: ({ request }) => {
        request.headers.set('Authorization', `Bearer ${accessToken}`);
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}

/** The body of POST /api/v1/parts, as the contract types it. */
type NewListing = NonNullable<paths['/api/v1/parts']['post']['requestBody']>['content']['application/json'];

const anonymous = () => clientFor();
const PASSWORD = 'garage-atlas-brake-pads-2026';

async function signUp(email: string, role: 'buyer' | 'seller'): Promise<ReturnType<typeof clientFor>> {
  const registered = await anonymous().POST('/api/v1/auth/register', { body: { email, password: PASSWORD, displayName: `Compte ${role}`, role } });
  expect(registered.response.status).toBe(201);
  const { data } = await anonymous().POST('/api/v1/auth/login', { body: { email, password: PASSWORD } });
  return clientFor(data?.accessToken);
}

async function asAdmin(): Promise<ReturnType<typeof clientFor>> {
  const admin = ctx.config.admin as { email: string; password: string };
  const { data } = await anonymous().POST('/api/v1/auth/login', { body: { email: admin.email, password: admin.password } });
  return clientFor(data?.accessToken);
}

/** A seller with a verified profile, as an admin would verify it. */
async function verifiedSeller(email: string, legalName: string, city: string) {
  const seller = await signUp(email, 'seller');
  const profile = await seller.PUT('/api/v1/me/seller-profile', {
    body: { legalName, sellerType: 'scrapyard', registrationNumber: 'RC-99812', city, country: 'MA', phone: '+212522001122', shippingFee: { amount: 3500, currency: 'MAD' } },
  });
  expect(profile.response.status).toBe(201);
  const sellerId = profile.data?.id as string;
  const verified = await (await asAdmin()).POST('/api/v1/admin/sellers/{sellerId}/verify', { params: { path: { sellerId } }, body: { reason: 'Registre du commerce vérifié' } });
  expect(verified.data?.status).toBe('verified');
  return { seller, sellerId };
}

describe('a client generated from the contract', () => {
  it('registers, gets verified, lists, finds by vehicle, compares, edits with If-Match and withdraws', async () => {
    const atlas = await verifiedSeller('atlas@e2e.otomoto.ma', 'Casse Atlas', 'Casablanca');
    const souss = await verifiedSeller('souss@e2e.otomoto.ma', 'Casse du Souss', 'Agadir');
    const listing: NewListing = {
      title: 'Alternateur Dacia Logan 1.5 dCi',
      category: 'electrical',
      brand: 'Valeo',
      partNumbers: [{ number: '8200 660 034', kind: 'oem' }],
      origin: 'oem',
      condition: 'used',
      grade: 'A',
      price: { amount: 95000, currency: 'MAD' },
      quantity: 2,
      location: { city: 'Casablanca', country: 'MA' },
      fitment: [{ make: 'Dacia', model: 'Logan', yearFrom: 2008, yearTo: 2016 }],
      // openapi-typescript makes fields with a default required in request bodies too.
      warrantyMonths: 3,
      status: 'active',
    };
    const created = await atlas.seller.POST('/api/v1/parts', { body: listing });
    expect(created.response.status).toBe(201);
    const part = created.data as NonNullable<typeof created.data>;
    await souss.seller.POST('/api/v1/parts', { body: { ...listing, price: { amount: 82000, currency: 'MAD' }, location: { city: 'Agadir', country: 'MA' } } });

    // A buyer's search by vehicle, sent as a browser's form would send it.
    const found = await anonymous().GET('/api/v1/parts', { params: { query: { make: 'dacia', model: 'logan', year: 2012, q: 'alternateur logan' } } });
    expect(found.data?.data.map((p) => p.seller.legalName).sort()).toEqual(['Casse Atlas', 'Casse du Souss']);

    // The comparator: both offers of the number, however it is typed.
    const offers = await anonymous().GET('/api/v1/parts/compare', { params: { query: { partNumber: '8200660034' } } });
    expect(offers.data?.offers.map((o) => o.price.amount)).toEqual([82000, 95000]);

    // An edit names the version it starts from; a stale one is refused with a problem.
    const etag = created.response.headers.get('etag') as string;
    const edited = await atlas.seller.PATCH('/api/v1/parts/{partId}', { params: { path: { partId: part.id }, header: { 'If-Match': etag } }, body: { price: { amount: 89000, currency: 'MAD' } } });
    expect(edited.data?.price).toEqual({ amount: 89000, currency: 'MAD' });
    const stale = await atlas.seller.PATCH('/api/v1/parts/{partId}', { params: { path: { partId: part.id }, header: { 'If-Match': etag } }, body: { title: 'Alternateur Valeo Dacia Logan' } });
    expect(stale.response.status).toBe(412);
    expect(stale.error?.type).toBe('https://otomoto.dev/problems/precondition-failed');

    // Withdrawn: gone from the market, still the seller's.
    const withdrawn = await atlas.seller.DELETE('/api/v1/parts/{partId}', {
      params: { path: { partId: part.id }, header: { 'If-Match': edited.response.headers.get('etag') as string } },
    });
    expect(withdrawn.data?.status).toBe('withdrawn');
    expect((await anonymous().GET('/api/v1/parts/{partId}', { params: { path: { partId: part.id } } })).response.status).toBe(404);
    const mine = await atlas.seller.GET('/api/v1/me/parts', { params: { query: { status: 'withdrawn' } } });
    expect(mine.data?.data.map((p) => p.id)).toEqual([part.id]);
  });
});
