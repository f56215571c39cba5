import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { OpenApiRequest } from 'express-openapi-validator/dist/framework/types';
import { authenticateRequest, authenticationNeeded, securityRuleOf, type SecurityRule, type TokenAuthenticator } from './auth';
import type { HandlerContext, HandlerMap, OperationId } from './handler';
import type { Db } from '../db/knex';
import { withTx } from '../db/tx';
import { problemReply, toProblem } from './error-handler';
import { answerOnce, requestFingerprint, type IdempotencyStore, type IdempotencyUse } from './idempotency';
import { Problem, validationProblem } from './problems';
import type { LoadedSpec, OpenApiDocument, OpenApiOperation } from './spec';
import { normalizeStrings } from './unicode';

/** The map's handlers seen through their common runtime shape, for dispatch. */
interface RawReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}
type AnyHandler = (ctx: HandlerContext<OperationId>) => Promise<RawReply> | RawReply;

/** One operation of the contract, ready to serve. */
export interface ResolvedOperation {
  operationId: OperationId;
  /** The contract's path template, e.g. `/api/v1/parts/{partId}`. */
  template: string;
  security: SecurityRule;
  /** The operation declares a request body: only then is one read. */
  takesBody: boolean;
  /** Query parameters the contract types as integers, checked as written (see `assertIntegerQuery`). */
  integerQuery: readonly string[];
  /** Header parameters the operation declares, as the contract spells them (`If-Match`). */
  headerParameters: readonly string[];
  /** Whether the operation takes an `Idempotency-Key`, as its declared header parameter says. */
  idempotency: IdempotencyUse;
  handler: AnyHandler;
}

declare module 'express-serve-static-core' {
  interface Request {
    operation?: ResolvedOperation;
    /** The path parameters as they appear in the URL (still percent-encoded), by name. */
    rawPathParams?: Record<string, string>;
  }
}

interface CompiledPath {
  template: string;
  pattern: RegExp;
  byMethod: Map<string, ResolvedOperation>;
  allow: string;
}

interface DeclaredParameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { type?: string; $ref?: string };
}

/** An operation's parameters, references resolved, once at start. */
function parametersOf(operation: OpenApiOperation, document: OpenApiDocument): DeclaredParameter[] {
  return ((operation.parameters as { $ref?: string }[] | undefined) ?? []).map((raw) => (raw.$ref ? resolvePointer(document, raw.$ref) : raw) as DeclaredParameter);
}

const IDEMPOTENCY_KEY = 'Idempotency-Key';

function idempotencyUseOf(parameters: readonly DeclaredParameter[]): IdempotencyUse {
  const declared = parameters.find((p) => p.in === 'header' && p.name === IDEMPOTENCY_KEY);
  return declared ? (declared.required ? 'required' : 'optional') : 'absent';
}

/** Names of the query parameters whose schema is an integer. */
function integerQueryParameters(parameters: readonly DeclaredParameter[], document: OpenApiDocument): string[] {
  return parameters
    .filter((p) => p.in === 'query' && (p.schema?.$ref ? (resolvePointer(document, p.schema.$ref) as { type?: string }) : p.schema)?.type === 'integer')
    .map((p) => p.name);
}

const resolvePointer = (document: OpenApiDocument, ref: string): unknown =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], document);

/**
 * The validator coerces query strings to numbers before checking them, and Ajv lets a coerced
 * `Infinity` ("Infinity", "1e400", four hundred digits) through both the integer type and the
 * bounds. An integer is written as digits, and few of them: anything else is refused here.
 */
const INTEGER = /^-?\d{1,15}$/;
function assertIntegerQuery(req: Request, names: readonly string[]): void {
  for (const name of names) {
    const value = req.query[name];
    if (value !== undefined && (typeof value !== 'string' || !INTEGER.test(value))) throw validationProblem(`/query/${name}`, 'must be an integer');
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

function compilePaths(spec: LoadedSpec, handlers: HandlerMap): CompiledPath[] {
  const byTemplate = new Map<string, CompiledPath>();
  for (const op of spec.operations) {
    const handler = handlers[op.operationId as OperationId] as AnyHandler | undefined;
    if (!handler) throw new Error(`No handler for operation ${op.operationId}`);
    let path = byTemplate.get(op.path);
    if (!path) {
      const pattern = new RegExp('^' + escapeRegExp(op.path).replace(/\\?\{([^}\\]+)\\?\}/g, '(?<$1>[^/]+)') + '/?$');
      path = { template: op.path, pattern, byMethod: new Map(), allow: '' };
      byTemplate.set(op.path, path);
    }
    const parameters = parametersOf(op.operation, spec.document);
    const resolved = {
      operationId: op.operationId as OperationId,
      template: op.path,
      security: securityRuleOf(op.operation, spec.document),
      takesBody: op.operation.requestBody !== undefined,
      integerQuery: integerQueryParameters(parameters, spec.document),
      headerParameters: parameters.filter((p) => p.in === 'header').map((p) => p.name),
      idempotency: idempotencyUseOf(parameters),
      handler,
    };
    path.byMethod.set(op.method.toUpperCase(), resolved);
  }
  // Paths without parameters first, so `/parts/compare` is never read as `/parts/{partId}`.
  const compiled = [...byTemplate.values()].sort((a, b) => Number(a.template.includes('{')) - Number(b.template.includes('{')));
  for (const path of compiled) {
    // HEAD is GET without the body (Node drops the body of a response to HEAD).
    const get = path.byMethod.get('GET');
    if (get) path.byMethod.set('HEAD', get);
    path.allow = [...path.byMethod.keys()].join(', ');
  }
  return compiled;
}

/**
 * The contract's router, in two steps around the validator:
 * - `gate` finds the operation of a request (404 for paths outside the contract, 405 with
 *   `Allow` for a method the path does not have) before any other code runs, then applies the
 *   operation's security requirement (401/403), then parses the body of an operation that takes
 *   one (no other body is ever read);
 * - `dispatch`, after the validator, runs the handler named by the operationId.
 * One table serves both, so a route cannot exist outside the contract.
 */
export interface RouterOptions {
  authenticate: TokenAuthenticator;
  parseBody: RequestHandler;
  db: Db;
  idempotency: IdempotencyStore;
}

export function contractRouter(spec: LoadedSpec, handlers: HandlerMap, options: RouterOptions) {
  const compiled = compilePaths(spec, handlers);
  const { authenticate, parseBody, db, idempotency } = options;

  // Paths without parameters are found by their text; the others by their patterns, in order.
  const literal = new Map(compiled.filter((c) => !c.template.includes('{')).map((c) => [c.template, c]));
  const templated = compiled.filter((c) => c.template.includes('{'));

  function find(requestPath: string): { path: CompiledPath; params: Record<string, string> } | undefined {
    const exact = literal.get(requestPath.length > 1 && requestPath.endsWith('/') ? requestPath.slice(0, -1) : requestPath);
    if (exact) return { path: exact, params: {} };
    for (const path of templated) {
      const match = path.pattern.exec(requestPath);
      if (match) return { path, params: match.groups ?? {} };
    }
    return undefined;
  }

  function resolve(req: Request, res: Response): ResolvedOperation {
    const requestPath = req.path;
    const found = find(requestPath);
    if (!found) throw new Problem('not-found', `No route ${req.method} ${requestPath}.`);
    const { path } = found;
    req.rawPathParams = found.params;
    const operation = path.byMethod.get(req.method);
    if (!operation) {
      res.setHeader('Allow', path.allow);
      throw new Problem('method-not-allowed', `${req.method} is not supported on ${path.template}.`);
    }
    return operation;
  }

  const gate = (req: Request, res: Response, next: NextFunction): void => {
    let operation: ResolvedOperation;
    try {
      operation = resolve(req, res);
    } catch (err) {
      return next(err);
    }
    req.operation = operation;
    try {
      assertIntegerQuery(req, operation.integerQuery);
    } catch (err) {
      return next(err);
    }
    // Whatever answers a request carrying credentials is about that account: no cache may keep it.
    if (req.headers.authorization !== undefined) res.setHeader('Cache-Control', 'no-store');
    // The validator knows operations by their declared method; the response stays body-less.
    if (req.method === 'HEAD') req.method = 'GET';
    const readBody = (): void => {
      if (!operation.takesBody) return next();
      void parseBody(req, res, (err?: unknown) => {
        if (err) return next(err);
        req.body = normalizeStrings(req.body);
        next();
      });
    };
    if (!authenticationNeeded(req, operation.security)) return readBody();
    authenticateRequest(req, operation.security, authenticate).then(readBody, next);
  };

  const dispatch = async (req: Request, res: Response): Promise<void> => {
    const operation = req.operation as ResolvedOperation;
    const { handler, headerParameters } = operation;
    // Path parameters as the validator matched, decoded and checked them (Express resets
    // `req.params` for every middleware mounted with `app.use`).
    const params = (req as OpenApiRequest).openapi?.pathParams ?? {};
    // The declared header parameters only, under the names the contract gives them.
    const headers: Record<string, string> = {};
    for (const name of headerParameters) {
      const value = req.headers[name.toLowerCase()];
      if (typeof value === 'string') headers[name] = value;
    }
    const ctx = { body: req.body, params, query: req.query, headers, auth: req.auth, req, res } as Omit<HandlerContext<OperationId>, 'tx'>;
    const key = headers[IDEMPOTENCY_KEY];
    if (operation.idempotency === 'absent' || key === undefined) {
      send(res, await handler({ ...ctx, tx: (work) => withTx(db, work) }));
      return;
    }
    const scope = { userId: req.auth?.userId ?? 'anonymous', key, operationId: operation.operationId, fingerprint: requestFingerprint(operation.operationId, req.path, req.body) };
    const { reply, replayed } = await answerOnce(idempotency, db, scope, async (tx) => handler({ ...ctx, tx: (work) => work(tx) }), (err) => {
      const problem = toProblem(err);
      return problem && problemReply(problem, req);
    });
    send(res, replayed ? replayOf(reply, String(req.id)) : reply);
  };

  return { gate, dispatch };
}

/**
 * A stored answer sent again: marked as such, and a problem names this exchange's request id (as
 * every problem does), not the first one's.
 */
function replayOf(reply: RawReply, requestId: string): RawReply {
  const problem = reply.contentType === 'application/problem+json' && typeof reply.body === 'object' && reply.body !== null;
  return {
    ...reply,
    body: problem ? { ...(reply.body as object), requestId } : reply.body,
    headers: { ...reply.headers, 'Idempotent-Replayed': 'true' },
  };
}

function send(res: Response, reply: RawReply): void {
  res.status(reply.status);
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.end();
  } else if (reply.contentType && reply.contentType !== 'application/json') {
    res.type(reply.contentType).send(reply.body);
  } else {
    res.json(reply.body);
  }
}
