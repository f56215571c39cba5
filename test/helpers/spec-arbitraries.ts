import fc from 'fast-check';
import type { OpenApiDocument } from '../../src/http/spec';

/**
 * fast-check arbitraries built from the contract's own schemas: mostly values the contract
 * accepts (to reach the handlers and the database), mixed with hostile ones (to reach the
 * validator's edges and whatever lies behind them).
 */
export type Schema = Record<string, unknown>;

/** Strings that broke, or could break, a layer below the validator. */
export const HOSTILE_STRINGS: readonly string[] = [
  'zq\u00a0',
  ' padded ',
  '\u0000',
  'ab\u0000',
  'a\u202Eb',
  '\u2066rtl\u2069',
  '\u200B\u200B\u200B',
  '\uD800',
  'x'.repeat(10_000),
  '',
  '%00',
  "'; DROP TABLE parts; --",
  '../../etc/passwd',
  '1e308',
  '-1',
  'null',
  '{"$gt":""}',
];

const HOSTILE_VALUES: readonly unknown[] = [null, true, 1e308, -1, 1.5, 0, [], {}, ['x'], { nested: { deep: 1 } }];

export const hostileValue = (): fc.Arbitrary<unknown> => fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.constantFrom(...HOSTILE_VALUES));

/** Follows internal `$ref`s and folds `allOf` into one schema (enough for this contract). */
export function resolveSchema(document: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  while (typeof current.$ref === 'string') {
    const target = (current.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')], document) as Schema;
    const { $ref: _ref, ...siblings } = current;
    current = { ...target, ...siblings };
  }
  if (Array.isArray(current.allOf)) {
    const { allOf, ...rest } = current;
    let merged: Schema = {};
    for (const part of [...(allOf as Schema[]), rest]) {
      const resolved = resolveSchema(document, part);
      merged = {
        ...merged,
        ...resolved,
        properties: mergeProperties(merged.properties as Schema | undefined, resolved.properties as Schema | undefined),
        required: [...((merged.required as string[]) ?? []), ...((resolved.required as string[]) ?? [])],
      };
    }
    current = merged;
    if (Object.keys(current.properties as Schema).length === 0) delete current.properties;
  }
  return current;
}

/** A property named by two parts of an allOf must satisfy both. */
function mergeProperties(a: Schema | undefined, b: Schema | undefined): Schema {
  const merged: Schema = { ...a };
  for (const [name, schema] of Object.entries(b ?? {})) merged[name] = name in merged ? { allOf: [merged[name], schema] } : schema;
  return merged;
}

export interface ArbitraryContext {
  document: OpenApiDocument;
  /** Ids that exist in the database, offered where the contract wants an id. */
  knownIds: readonly string[];
  /** Emails of existing accounts, offered where the contract wants an email. */
  knownEmails: readonly string[];
  /** 0 never, 1 always: how often a value is swapped for a hostile one. */
  hostility: number;
}

function validString(schema: Schema, ctx: ArbitraryContext): fc.Arbitrary<string> {
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = Math.min((schema.maxLength as number | undefined) ?? 40, Math.max(minLength, 40));
  const examples = ((schema.examples as unknown[] | undefined) ?? []).filter((e): e is string => typeof e === 'string');
  // The contract's examples are the values most likely to pass the rules beyond the schema
  // (the marketplace currency, a real phone number), so they come first.
  const withExamples = (arb: fc.Arbitrary<string>) =>
    examples.length ? fc.oneof({ arbitrary: fc.constantFrom(...examples), weight: 3 }, { arbitrary: arb, weight: 1 }) : arb;
  switch (schema.format) {
    case 'uuid':
      return ctx.knownIds.length ? fc.oneof(fc.constantFrom(...ctx.knownIds), fc.uuid()) : fc.uuid();
    case 'email': {
      const random = fc.emailAddress().filter((e) => e.length <= ((schema.maxLength as number | undefined) ?? 254));
      return ctx.knownEmails.length ? fc.oneof(fc.constantFrom(...ctx.knownEmails), random) : random;
    }
    case 'date-time':
      return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString());
  }
  const fits = (s: string) => [...s].length >= minLength && [...s].length <= ((schema.maxLength as number | undefined) ?? Infinity);
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern, 'u');
    try {
      return withExamples(fc.stringMatching(pattern).filter(fits));
    } catch {
      // Lookaheads and the like: draw text and keep what the pattern accepts.
      return withExamples(fc.string({ unit: 'grapheme', minLength, maxLength }).map((s) => s.trim()).filter((s) => fits(s) && pattern.test(s)));
    }
  }
  return withExamples(fc.string({ unit: 'grapheme', minLength, maxLength }));
}

function validInteger(schema: Schema): fc.Arbitrary<number> {
  const min = Math.max((schema.minimum as number | undefined) ?? -1_000_000, Number.MIN_SAFE_INTEGER);
  const max = Math.min((schema.maximum as number | undefined) ?? 1_000_000, Number.MAX_SAFE_INTEGER);
  return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max)).filter((n) => !(schema.not && (schema.not as Schema).const === n));
}

/** Values of a schema; with `ctx.hostility`, a hostile value in its place now and then. */
export function arbitraryFor(schema: Schema, ctx: ArbitraryContext, depth = 0): fc.Arbitrary<unknown> {
  const valid = validFor(resolveSchema(ctx.document, schema), ctx, depth);
  if (ctx.hostility <= 0) return valid;
  const hostileWeight = Math.max(1, Math.round(ctx.hostility * 10));
  return fc.oneof({ arbitrary: valid, weight: 10 - Math.min(hostileWeight, 9) }, { arbitrary: hostileValue(), weight: hostileWeight });
}

function validFor(schema: Schema, ctx: ArbitraryContext, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(schema[key])) return fc.oneof(...(schema[key] as Schema[]).map((s) => arbitraryFor(s, ctx, depth + 1)));
  }
  const type = schema.type;
  if (Array.isArray(type)) return fc.oneof(...type.map((t) => validFor({ ...schema, type: t }, ctx, depth)));
  switch (type) {
    case 'string':
      return validString(schema, ctx);
    case 'integer':
      return validInteger(schema);
    case 'number':
      return fc.double({ min: (schema.minimum as number) ?? -1e6, max: (schema.maximum as number) ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items as Schema | undefined) ?? {};
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.max(minLength, Math.min((schema.maxItems as number | undefined) ?? 3, 3));
      return depth > 6 ? fc.constant([]) : fc.array(arbitraryFor(items, ctx, depth + 1), { minLength, maxLength });
    }
    case 'object':
    default: {
      const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) shape[name] = arbitraryFor(property, ctx, depth + 1);
      const record = fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
      if (ctx.hostility <= 0) return record;
      // Now and then a field the contract does not know (mass assignment, typos).
      return fc.oneof({ arbitrary: record, weight: 9 }, { arbitrary: record.map((r) => ({ ...r, role: 'admin' })), weight: 1 });
    }
  }
}
