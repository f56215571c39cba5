import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { securityRuleOf } from '../src/http/auth';
import { loadSpec, type OpenApiOperation, type SpecOperation } from '../src/http/spec';
import { useTestContext } from './helpers/context';
import { createPart, createSeller, loginAdmin, registerUser, type TestUser } from './helpers/factories';
import { arbitraryFor, hostileValue, resolveSchema, type ArbitraryContext, type Schema } from './helpers/spec-arbitraries';

/**
 * The contract, turned against the server: requests built from every operation's own parameter
 * and body schemas (valid values and hostile ones), sent with each role's real token. Whatever
 * comes back must not be a 5xx, must be a status the operation documents, and, for an error,
 * a problem document valid against the contract.
 *
 * `npm test` runs a fixed seed and a small budget; `npm run fuzz` runs longer on a random seed
 * (FUZZ_RUNS, FUZZ_SEED) and prints the shrunk failing request as a curl command.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261125);

// FUZZ_LOG_LEVEL=error shows the server's own account of a failure (the stack stays out of the answer).
const ctx = useTestContext({ LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'silent' });
const spec = loadSpec();

type Role = 'anonymous' | 'buyer' | 'seller' | 'admin';
const actors: Partial<Record<Exclude<Role, 'anonymous'>, TestUser>> = {};
const knownIds: string[] = [];
const knownEmails: string[] = [];

/**
 * Fresh actors before each operation's run: the previous operation may have suspended them, sent
 * the seller back to review or withdrawn its listings, which would leave this one only 401s and 404s.
 */
beforeEach(async () => {
  const seller = await createSeller(ctx);
  actors.seller = seller;
  actors.buyer = await registerUser(ctx);
  actors.admin = await loginAdmin(ctx);
  const active = await createPart(ctx, seller);
  const draft = await createPart(ctx, seller, { status: 'draft' });
  knownIds.splice(0, knownIds.length, seller.sellerId, seller.id, actors.buyer.id, active.id, draft.id);
  knownEmails.splice(0, knownEmails.length, seller.email, actors.buyer.email);
});

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

interface FuzzRequest {
  role: Role;
  method: string;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: unknown;
}

const parametersOf = (op: OpenApiOperation): Parameter[] =>
  ((op.parameters as Schema[] | undefined) ?? []).map((p) => resolveSchema(spec.document, p) as unknown as Parameter);

const asQueryValue = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
/** A lone surrogate cannot be percent-encoded; UTF-8 turns it into U+FFFD, as a browser would. */
const wellFormed = (value: string): string => Buffer.from(value, 'utf8').toString('utf8');

/** Mostly the roles the operation admits (so requests get past the gate), everyone else now and then. */
function roleArbitrary(op: OpenApiOperation): fc.Arbitrary<Role> {
  const rule = securityRuleOf(op, spec.document);
  const all: Role[] = ['anonymous', 'buyer', 'seller', 'admin'];
  const admitted: Role[] =
    rule.kind === 'public' || rule.kind === 'optional' ? all : rule.roles.length ? (rule.roles as Role[]) : ['buyer', 'seller', 'admin'];
  return fc.oneof({ arbitrary: fc.constantFrom(...admitted), weight: 4 }, { arbitrary: fc.constantFrom(...all), weight: 1 });
}

/**
 * Requests of one operation: two in three calm (every value as the contract describes it), one in
 * three hostile (any value may be swapped for a hostile one, an unknown parameter may appear).
 */
function requestArbitrary(entry: SpecOperation): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ arbitrary: requestsOf(entry, 0), weight: 2 }, { arbitrary: requestsOf(entry, 0.1), weight: 1 });
}

function requestsOf(entry: SpecOperation, hostility: number): fc.Arbitrary<FuzzRequest> {
  const context: ArbitraryContext = { document: spec.document, knownIds: [...knownIds], knownEmails: [...knownEmails], hostility };
  const parameters = parametersOf(entry.operation);
  const pathParams = parameters.filter((p) => p.in === 'path');
  const queryParams = parameters.filter((p) => p.in === 'query');
  const takesIfMatch = parameters.some((p) => p.in === 'header' && p.name === 'If-Match');
  const bodySchema = (resolveSchema(spec.document, (entry.operation.requestBody as Schema | undefined) ?? {}).content as Record<string, { schema: Schema }> | undefined)?.[
    'application/json'
  ]?.schema;

  // An empty path segment would address another route (`/parts/` is the list): never generated.
  const segment = (p: Parameter) => arbitraryFor(p.schema, context).filter((v) => asQueryValue(v) !== '');
  const path = fc.tuple(...pathParams.map(segment)).map((values) =>
    pathParams.reduce((url, p, i) => url.replace(`{${p.name}}`, encodeURIComponent(wellFormed(asQueryValue(values[i])))), entry.path),
  );
  const query = fc
    .tuple(
      ...queryParams.map((p) => fc.option(arbitraryFor(p.schema, context), { nil: undefined, freq: p.required ? 20 : 2 })),
      hostility > 0 ? fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.constantFrom('unknownParam', 'q', 'limit'), weight: 1 }) : fc.constant(null),
    )
    .map((values) => {
      const pairs: [string, string][] = [];
      queryParams.forEach((p, i) => {
        if (values[i] !== undefined) pairs.push([p.name, asQueryValue(values[i])]);
      });
      const extra = values[queryParams.length];
      if (typeof extra === 'string' && !queryParams.some((p) => p.name === extra)) pairs.push([extra, '1']);
      return pairs;
    });
  const ifMatch = takesIfMatch ? fc.option(fc.constantFrom('"1"', 'W/"1"', '1', '*', '"999"', '"1", "2"'), { nil: undefined }) : fc.constant(undefined);
  const body = !bodySchema
    ? fc.constant(undefined)
    : hostility > 0
      ? fc.oneof({ arbitrary: bodiesOf(entry, bodySchema, context), weight: 9 }, { arbitrary: hostileValue(), weight: 1 })
      : bodiesOf(entry, bodySchema, context);

  return fc.record({ role: roleArbitrary(entry.operation), path, query, ifMatch, body }).map(({ role, path: url, query: pairs, ifMatch: tag, body: payload }) => {
    const headers: Record<string, string> = {};
    const actor = role === 'anonymous' ? undefined : actors[role];
    if (actor) headers.Authorization = actor.auth.Authorization;
    if (tag !== undefined) headers['If-Match'] = tag;
    const request: FuzzRequest = { role, method: entry.method.toUpperCase(), path: url, query: pairs, headers, body: payload };
    return Object.assign(request, { [fc.toStringMethod]: () => asCurl(request) });
  });
}

/** The operation's request example: `example`, or the first of `examples` (followed through `$ref`). */
function bodyExample(op: OpenApiOperation): unknown {
  const content = (op.requestBody as { content?: Record<string, { example?: unknown; examples?: Record<string, Schema> }> } | undefined)?.content?.['application/json'];
  if (content?.example !== undefined) return content.example;
  const first = Object.values(content?.examples ?? {})[0];
  return first ? resolveSchema(spec.document, first).value : undefined;
}

/**
 * Bodies drawn from the schema, and the operation's own example with one field redrawn: the
 * schema alone rarely satisfies the rules across fields (a grade only for used parts, the
 * marketplace currency), the example does, so its mutants reach the handler and the database.
 */
function bodiesOf(entry: SpecOperation, schema: Schema, context: ArbitraryContext): fc.Arbitrary<unknown> {
  const generated = arbitraryFor(schema, context);
  const example = bodyExample(entry.operation);
  if (typeof example !== 'object' || example === null || Array.isArray(example)) return generated;
  const properties = (resolveSchema(spec.document, schema).properties ?? {}) as Record<string, Schema>;
  const names = Object.keys(properties);
  if (names.length === 0) return fc.oneof(fc.constant(example), generated);
  // In hostile mode the redrawn field is hostile one time in two: one bad value in an otherwise
  // valid body is what reaches furthest (a title that passes the schema but not the database).
  const fieldContext = { ...context, hostility: context.hostility > 0 ? 0.5 : 0 };
  const mutant = fc
    .constantFrom(...names)
    .chain((name) => arbitraryFor(properties[name] as Schema, fieldContext).map((value) => ({ ...(example as Record<string, unknown>), [name]: value })));
  return fc.oneof({ arbitrary: fc.constant(example), weight: 1 }, { arbitrary: mutant, weight: 3 }, { arbitrary: generated, weight: 2 });
}

/** The reproduction a developer pastes into a shell against `npm start`. */
function asCurl(r: FuzzRequest): string {
  const search = r.query.length ? `?${new URLSearchParams(r.query).toString()}` : '';
  const headers = Object.entries(r.headers).map(([k, v]) => ` -H '${k}: ${k === 'Authorization' ? `Bearer <${r.role} token>` : v}'`);
  const body = r.body === undefined ? '' : ` -H 'Content-Type: application/json' -d '${JSON.stringify(r.body).replace(/'/g, "'\\''")}'`;
  return `curl -X ${r.method} 'http://localhost:3000${r.path}${search}'${headers.join('')}${body}`;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const components = (spec.document.components as { schemas: Schema }).schemas;
ajv.addSchema({ $id: 'otomoto', components: { schemas: components } });
const isProblem = ajv.compile({ $ref: 'otomoto#/components/schemas/Problem' });

async function send(r: FuzzRequest) {
  let req = ctx.http()[r.method.toLowerCase() as 'get'](r.path).query(new URLSearchParams(r.query).toString());
  for (const [name, value] of Object.entries(r.headers)) req = req.set(name, value);
  if (r.body !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(r.body));
  return req;
}

/** Statuses seen per operation, printed by `npm run fuzz` to show how deep the requests went. */
const seen = new Map<string, Map<number, number>>();
afterAll(() => {
  if (!process.env.FUZZ_STATS) return;
  const lines = [...seen].map(([id, tally]) => `${id.padEnd(24)} ${[...tally].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')}`);
  process.stdout.write(`\nStatuses per operation (seed ${SEED}, ${RUNS} runs each):\n${lines.join('\n')}\n`);
});

describe('a spec-driven fuzz of every operation', () => {
  it.each(spec.operations.map((op) => [op.operationId, op] as const))(
    '%s: never a 5xx, only documented statuses, problems valid against the contract',
    async (_id, entry) => {
      const documented = Object.keys(entry.operation.responses);
      await fc.assert(
        fc.asyncProperty(requestArbitrary(entry), async (r) => {
          const res = await send(r);
          const tally = seen.get(entry.operationId) ?? new Map<number, number>();
          seen.set(entry.operationId, tally.set(res.status, (tally.get(res.status) ?? 0) + 1));
          expect(res.status).toBeLessThan(500);
          expect(documented).toContain(String(res.status));
          if (res.status >= 400) {
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
            expect(isProblem(res.body)).toBe(true);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: false },
      );
    },
    Math.max(30_000, RUNS * 2_000),
  );
});

/** Ways to spoil one value that the contract would otherwise accept. */
const SPOIL_STRING: ((v: string) => unknown)[] = [
  (v) => `${v}\u00a0`,
  // Just long enough with the padding, too short without: what trimming after validation broke.
  (v) => `${[...v].slice(0, 1).join('')}\u00a0`,
  (v) => `${[...v].slice(0, 2).join('')}\u00a0`,
  (v) => ` ${v}`,
  (v) => `${v}\u0000`,
  (v) => `\u202E${v}`,
  (v) => `${v}\u0085`,
  () => '\u200B\u200B\u200B',
  () => '\uD800',
  (v) => v.repeat(Math.ceil(10_000 / Math.max(1, v.length))),
  () => 12,
];
const SPOIL_NUMBER: ((v: number) => unknown)[] = [() => -1, (v) => v + 0.5, () => 1e308, () => '1e308', () => 'abc', () => null];
const SPOIL_OTHER: ((v: unknown) => unknown)[] = [() => null, () => 'text', () => [], () => ({})];

/** Every leaf of a JSON value with its path, so that one at a time can be spoiled. */
function leaves(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...path, i]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]));
  return [{ path, value }];
}

function withLeaf(value: unknown, path: (string | number)[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[head] = withLeaf(copy[head], rest, leaf);
  return copy;
}

function spoiled(value: unknown): unknown[] {
  if (typeof value === 'string') return SPOIL_STRING.map((spoil) => spoil(value));
  if (typeof value === 'number') return SPOIL_NUMBER.map((spoil) => spoil(value));
  return SPOIL_OTHER.map((spoil) => spoil(value));
}

/** The example of a parameter, or a plausible value of its type. */
function sampleParameter(p: Parameter): string {
  const schema = resolveSchema(spec.document, p.schema);
  const example = (schema.examples as unknown[] | undefined)?.[0] ?? (schema.enum as unknown[] | undefined)?.[0];
  if (example !== undefined) return asQueryValue(example);
  if (schema.format === 'uuid') return knownIds[3] as string;
  return schema.type === 'integer' ? '1' : schema.type === 'boolean' ? 'true' : 'frein';
}

/**
 * A deterministic sweep beside the random fuzz: each operation's own example, with one value at a
 * time (every body leaf, every query and path parameter) spoiled in every way above, sent by a
 * role the operation admits. A random draw rarely spoils exactly one field of an otherwise valid
 * body; this sweep does it for every field, so what once stored a title the contract forbids, or
 * sent a NUL to PostgreSQL, is tried on every run.
 */
describe('every documented example, one value spoiled at a time', () => {
  it.each(spec.operations.map((op) => [op.operationId, op] as const))(
    '%s: never a 5xx, only documented statuses',
    async (_id, entry) => {
      const documented = Object.keys(entry.operation.responses);
      const rule = securityRuleOf(entry.operation, spec.document);
      const role: Role = rule.kind === 'required' ? ((rule.roles[0] as Role | undefined) ?? 'seller') : 'seller';
      const parameters = parametersOf(entry.operation).filter((p) => p.in === 'path' || p.in === 'query');
      const example = bodyExample(entry.operation);
      const base = (): FuzzRequest => ({
        role,
        method: entry.method.toUpperCase(),
        path: parameters.filter((p) => p.in === 'path').reduce((url, p) => url.replace(`{${p.name}}`, encodeURIComponent(sampleParameter(p))), entry.path),
        query: parameters.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, sampleParameter(p)]),
        headers: { Authorization: (actors[role as Exclude<Role, 'anonymous'>] as TestUser).auth.Authorization },
        body: example,
      });
      const variants: FuzzRequest[] = [];
      for (const leaf of example === undefined ? [] : leaves(example)) {
        for (const bad of spoiled(leaf.value)) variants.push({ ...base(), body: withLeaf(example, leaf.path, bad) });
      }
      for (const p of parameters) {
        for (const bad of spoiled(sampleParameter(p))) {
          const request = base();
          const value = wellFormed(asQueryValue(bad));
          if (p.in === 'path') request.path = entry.path.replace(`{${p.name}}`, encodeURIComponent(value)).replace(/\{[^}]+\}/g, (m) => encodeURIComponent(sampleParameter(parameters.find((q) => `{${q.name}}` === m) as Parameter)));
          else request.query = [...request.query.filter(([name]) => name !== p.name), [p.name, value]];
          variants.push(request);
        }
      }
      for (const request of variants) {
        const res = await send(request);
        const where = asCurl(request);
        expect({ where, status: res.status < 500 && documented.includes(String(res.status)) }).toEqual({ where, status: true });
        if (res.status >= 400) expect({ where, problem: isProblem(res.body) }).toEqual({ where, problem: true });
      }
    },
    60_000,
  );
});
