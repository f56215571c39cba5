import { readFileSync } from 'node:fs';
import { fromRoot } from '../paths';

export const BUNDLED_SPEC_PATH = fromRoot('openapi', 'bundled', 'openapi.yaml');
/**
 * The same bundle as JSON (`npm run gen` writes both): parsing the YAML took a third of a second
 * of every start, JSON.parse a few milliseconds.
 */
const BUNDLED_SPEC_JSON_PATH = fromRoot('openapi', 'bundled', 'openapi.json');

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

export interface OpenApiOperation {
  operationId: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  requestBody?: unknown;
  [key: string]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>> & Record<string, unknown>>;
  [key: string]: unknown;
}

export interface SpecOperation {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI template, e.g. /api/v1/sellers/{sellerId} */
  path: string;
  operation: OpenApiOperation;
}

export interface LoadedSpec {
  document: OpenApiDocument;
  yaml: string;
  operations: SpecOperation[];
  /** Plain words for the contract's patterns (`x-pattern-message`), to replace "must match pattern …". */
  patternMessages: ReadonlyMap<string, string>;
}

/** Every `pattern` of the document that carries an `x-pattern-message`, wherever it is. */
function collectPatternMessages(node: unknown, found = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(node)) {
    for (const item of node) collectPatternMessages(item, found);
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (typeof record.pattern === 'string' && typeof record['x-pattern-message'] === 'string') found.set(record.pattern, record['x-pattern-message']);
    for (const value of Object.values(record)) collectPatternMessages(value, found);
  }
  return found;
}

let cached: LoadedSpec | undefined;

/** The bundled contract (`npm run gen`), parsed once per process. */
export function loadSpec(): LoadedSpec {
  if (cached) return cached;
  const yaml = readFileSync(BUNDLED_SPEC_PATH, 'utf8');
  const document = JSON.parse(readFileSync(BUNDLED_SPEC_JSON_PATH, 'utf8')) as OpenApiDocument;
  const operations: SpecOperation[] = [];
  for (const [p, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation) operations.push({ operationId: operation.operationId, method, path: p, operation });
    }
  }
  cached = { document, yaml, operations, patternMessages: collectPatternMessages(document) };
  return cached;
}
