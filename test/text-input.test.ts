import { useTestContext } from './helpers/context';
import { createPart, createSeller, partInput, registerUser, type TestUser } from './helpers/factories';
import { expectProblem, fieldPaths } from './helpers/problems';

/**
 * What is validated is what is stored: text is refused when it carries surrounding white space,
 * control characters, bidirectional overrides or nothing visible, instead of being trimmed into
 * something the contract forbids (which once turned every public list into a 500).
 */
const ctx = useTestContext();

const HOSTILE: [string, string][] = [
  ['padded with a no-break space', 'zq\u00a0'],
  ['padded with spaces', '  Plaquettes  '],
  ['a NUL byte', 'Plaq\u0000uettes'],
  ['a C1 control', 'Plaq\u0085uettes'],
  ['a line break in one-line text', 'Plaq\nuettes'],
  ['a right-to-left override', 'Plaq\u202Euettes'],
  ['a directional isolate', 'Plaq\u2066uettes'],
  ['only invisible characters', '\u200B\u200B\u200B\u200B'],
  ['a lone surrogate', 'Plaq\uD800uettes'],
];

let seller: TestUser & { sellerId: string };
let partId: string;

beforeAll(async () => {
  seller = await createSeller(ctx);
  partId = (await createPart(ctx, seller, { title: 'Filtre à huile Logan', partNumbers: [{ number: '77 01 208 265', kind: 'oem' }] })).id;
});

describe('text in request bodies', () => {
  it.each(HOSTILE)('refuses a title with %s, names the field in words, and stores nothing', async (_label, title) => {
    const before = await ctx.db('parts').count({ n: '*' }).first();
    const res = await ctx.http().post('/api/v1/parts').set(seller.auth).send(partInput({ title }));
    expectProblem(res, 400, 'validation-error');
    expect(fieldPaths(res)).toEqual(['/body/title']);
    expect(res.body.errors[0].message).toMatch(/white space|control|visible/);
    expect(await ctx.db('parts').count({ n: '*' }).first()).toEqual(before);
  });

  it('keeps every public list readable after the hostile writes were tried', async () => {
    for (const url of ['/api/v1/parts', '/api/v1/parts?q=zq', '/api/v1/parts?category=brakes', '/api/v1/sellers', `/api/v1/sellers/${seller.sellerId}`, `/api/v1/parts/${partId}`]) {
      expect((await ctx.http().get(url)).status).toBe(200);
    }
    expect((await ctx.http().get('/api/v1/me/parts').set(seller.auth)).status).toBe(200);
  });

  it('refuses a seller city padded with a no-break space and leaves the profile as it was', async () => {
    const res = await ctx.http().patch('/api/v1/me/seller-profile').set(seller.auth).send({ city: 'R\u00a0' });
    expectProblem(res, 400, 'validation-error');
    expect(fieldPaths(res)).toEqual(['/body/city']);
    expect((await ctx.http().get(`/api/v1/sellers/${seller.sellerId}`).expect(200)).body.city).toBe('Casablanca');
  });

  it.each([
    ['display name', '/api/v1/me', 'patch', { displayName: '\u202EAmina' }, '/body/displayName'],
    ['fitment engine', `/api/v1/parts/:id`, 'patch', { fitment: [{ make: 'Dacia', model: 'Logan', yearFrom: 2012, yearTo: 2020, engine: ' 1.5 dCi' }] }, '/body/fitment/0/engine'],
    ['description', `/api/v1/parts/:id`, 'patch', { description: 'Bon état\u0007' }, '/body/description'],
    ['stock reason', `/api/v1/parts/:id/stock`, 'post', { delta: 1, reason: 'inventaire\u0000' }, '/body/reason'],
  ])('refuses a %s with a control character or padding', async (_label, url, method, body, path) => {
    const target = url.replace(':id', partId);
    const res = await (method === 'patch' ? ctx.http().patch(target) : ctx.http().post(target)).set(seller.auth).send(body);
    expectProblem(res, 400, 'validation-error');
    // A stock adjustment is one of two shapes: the validator also says why the other shape fails.
    expect(fieldPaths(res)).toContain(path);
  });

  it('keeps line feeds inside a description, exactly as sent', async () => {
    const description = 'Jeu de 4 plaquettes.\n\nMontage sans modification.';
    const part = await createPart(ctx, seller, { description });
    expect(part.description).toBe(description);
    expect((await ctx.http().get(`/api/v1/parts/${part.id}`).expect(200)).body.description).toBe(description);
  });

  it('stores text in Unicode NFC, so one city has one spelling', async () => {
    const part = await createPart(ctx, seller, { title: 'Re\u0301troviseur gauche', location: { city: 'Fe\u0300s', country: 'MA' } });
    expect(part.title).toBe('Rétroviseur gauche');
    expect(part.location.city).toBe('Fès');
    expect((await ctx.db('parts').where({ id: part.id }).first()).title).toBe('Rétroviseur gauche');
  });

  it('applies the length limits next to the shared text rules', async () => {
    const res = await ctx.http().post('/api/v1/parts').set(seller.auth).send(partInput({ title: 'x'.repeat(141) }));
    expect(fieldPaths(res)).toEqual(['/body/title']);
    const user = await registerUser(ctx);
    expect(fieldPaths(await ctx.http().patch('/api/v1/me').set(user.auth).send({ displayName: 'n'.repeat(81) }))).toEqual(['/body/displayName']);
  });
});

describe('text in query strings and paths', () => {
  it.each([
    '/api/v1/parts?make=%00',
    '/api/v1/parts?city=ab%00',
    '/api/v1/parts?q=frein%00',
    '/api/v1/parts/compare?partNumber=ab%00',
    '/api/v1/vehicles/makes/%00/models',
    '/api/v1/sellers?city=ab%E2%80%AE',
  ])('refuses %s with a 400, on every database', async (url) => {
    expectProblem(await ctx.http().get(url), 400, 'validation-error');
  });

  it('reads + as a space and accepts reserved characters, as browsers and URLSearchParams send them', async () => {
    const plus = await ctx.http().get('/api/v1/parts?q=filtre+huile').expect(200);
    expect(plus.body.data.map((p: { id: string }) => p.id)).toEqual([partId]);
    const params = new URLSearchParams({ q: 'filtre huile', make: 'Dacia' }).toString();
    expect(params).toContain('filtre+huile');
    expect((await ctx.http().get(`/api/v1/parts?${params}`).expect(200)).body.data).toHaveLength(1);
    expect((await ctx.http().get('/api/v1/parts?partNumber=77+01+208+265').expect(200)).body.data).toHaveLength(1);
    expect((await ctx.http().get('/api/v1/parts/compare?partNumber=77+01+208+265').expect(200)).body.offers).toHaveLength(1);
    await ctx.http().get('/api/v1/parts?q=filtre(huile*),moteur').expect(200);
    await ctx.http().get('/api/v1/sellers?city=Casa+blanca').expect(200);
  });
});
