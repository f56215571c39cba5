import { readFileSync } from 'node:fs';
import path from 'node:path';
import { securityRuleOf } from '../src/http/auth';
import { PROBLEM_BASE_URI, PROBLEM_TYPES } from '../src/http/problems';
import { loadSpec } from '../src/http/spec';
import { createHandlers, createServices } from '../src/modules';
import { useTestContext } from './helpers/context';

const ctx = useTestContext();

const spec = loadSpec();

describe('the contract routes the application', () => {
  it('has a handler for every operation and an operation for every handler', () => {
    const handlers = createHandlers(ctx.db, spec, createServices(ctx.db, ctx.config));
    expect(Object.keys(handlers).sort()).toEqual(spec.operations.map((o) => o.operationId).sort());
  });

  it('serves no route outside the contract', async () => {
    // Express would answer these for a stray app.get(); the contract gate answers 404 first.
    for (const p of ['/', '/api', '/api/v1', '/api/v1/users', '/api/v1/me/seller-profile/extra']) {
      expect((await ctx.http().get(p)).status).toBe(404);
    }
  });

  it('refuses to start with a security scheme it does not enforce', () => {
    const op = structuredClone(spec.operations.find((o) => o.operationId === 'getMe')!.operation);
    expect(securityRuleOf(op, spec.document)).toEqual({ kind: 'required', roles: [] });
    op.security = [{ apiKey: [] }];
    expect(() => securityRuleOf(op, spec.document)).toThrow('getMe: security scheme apiKey is not implemented');
  });

  it.each(spec.operations.map((o) => [o.operationId, o] as const))('%s is documented: summary, description, one tag, examples, 400 and 500', (_id, op) => {
    expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
    expect(op.operation.summary).toBeTruthy();
    expect(op.operation.tags).toHaveLength(1);
    const statuses = Object.keys(op.operation.responses);
    // Any operation answers 400 to an unknown query parameter, so every one documents it.
    expect(statuses).toContain('400');
    expect(statuses).toContain('500');
    expect(op.operation.description).toBeTruthy();
    const json = JSON.stringify(op.operation);
    expect(json).toMatch(/"examples?":/);
    const security = op.operation.security ?? (spec.document.security as Record<string, string[]>[]);
    const anonymousAllowed = security.some((s) => Object.keys(s).length === 0);
    if (security.length > 0 && !anonymousAllowed) {
      expect(statuses).toContain('401');
    }
  });
});

describe('problem types are documented', () => {
  const problemsDoc = readFileSync(path.resolve(__dirname, '../docs/problems.md'), 'utf8');
  const specProblem = JSON.stringify((spec.document.components as { schemas: Record<string, unknown> }).schemas.Problem);

  it.each(Object.entries(PROBLEM_TYPES))('%s appears in the spec and in docs/problems.md', (kind, { status }) => {
    expect(specProblem).toContain(`\`${kind}\` | ${status}`);
    expect(problemsDoc).toContain(`${PROBLEM_BASE_URI}${kind}`);
  });
});

describe('the contract says what the validator enforces', () => {
  /** Every object of the document with its JSON pointer. */
  function* nodes(node: unknown, pointer = ''): Generator<[string, Record<string, unknown>]> {
    if (typeof node !== 'object' || node === null) return;
    if (!Array.isArray(node)) yield [pointer, node as Record<string, unknown>];
    for (const [key, value] of Object.entries(node)) yield* nodes(value, `${pointer}/${key}`);
  }

  it('puts no validation keyword beside a $ref, where express-openapi-validator would drop it (use allOf)', () => {
    const ANNOTATIONS = new Set(['$ref', 'description', 'summary', 'examples', 'example']);
    const offenders = [...nodes(spec.document)].filter(([, n]) => typeof n.$ref === 'string' && Object.keys(n).some((k) => !ANNOTATIONS.has(k))).map(([p]) => p);
    expect(offenders).toEqual([]);
  });
});
