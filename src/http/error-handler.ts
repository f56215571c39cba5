import type { NextFunction, Request, Response } from 'express';
import { dbErrorKind, type DbErrorKind } from '../db/errors';
import { Problem, type FieldError, type ProblemBody, type ProblemKind } from './problems';

interface ValidatorError {
  status: number;
  message?: string;
  errors?: { path?: string; message?: string }[];
}

interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
}

const BODY_PARSER_KINDS: Record<string, ProblemKind> = {
  'entity.parse.failed': 'malformed-json',
  'entity.too.large': 'payload-too-large',
  'encoding.unsupported': 'unsupported-media-type',
  'charset.unsupported': 'unsupported-media-type',
};

const STATUS_KINDS: Record<number, ProblemKind> = {
  400: 'validation-error',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
};

const isBodyParserError = (err: unknown): err is BodyParserError =>
  typeof err === 'object' && err !== null && typeof (err as BodyParserError).type === 'string' && (err as BodyParserError).type in BODY_PARSER_KINDS;

const isValidatorError = (err: unknown): err is ValidatorError =>
  typeof err === 'object' && err !== null && typeof (err as ValidatorError).status === 'number' && !(err instanceof Problem);

const PATTERN_MESSAGE = /^must match pattern "(.*)"$/s;

/**
 * Validator paths look like `/body/email` or `.body.email`; clients get JSON pointers. A failed
 * pattern is explained in words where the contract gives them, rather than as a regular expression.
 */
function fieldErrors(err: ValidatorError, patternMessages: ReadonlyMap<string, string>): FieldError[] {
  const byPath = new Map<string, FieldError>();
  for (const e of err.errors ?? []) {
    // The validator says `params` where the contract (and the client) says `path`.
    const path = (e.path ?? '').replace(/^\./, '/').replace(/\./g, '/').replace(/\[(\d+)\]/g, '/$1').replace(/^\/params\//, '/path/');
    // One mistake, one error: an id that is no UUID fails both its format and its pattern.
    if (byPath.has(path)) continue;
    const pattern = PATTERN_MESSAGE.exec(e.message ?? '')?.[1];
    byPath.set(path, { path, message: (pattern !== undefined ? patternMessages.get(pattern) : undefined) ?? e.message ?? 'is invalid' });
  }
  return [...byPath.values()];
}

const PUBLIC_DETAILS: Partial<Record<ProblemKind, string>> = {
  'validation-error': 'The request does not match the API contract.',
  'malformed-json': 'The request body is not valid JSON.',
  unauthorized: 'A valid bearer access token is required.',
  'payload-too-large': 'The request body is too large.',
  'unsupported-media-type': 'Send the request body as application/json.',
};

/**
 * A database error no service turned into a problem of its own: a race the service did not
 * foresee (a duplicate, a vanished reference), a value the database refuses, or a conflict the
 * transaction's retries did not get past. Said in the client's terms, without the SQL.
 */
const DATABASE_PROBLEMS: Record<DbErrorKind, () => Problem> = {
  unique: () => new Problem('conflict', 'The change collides with data stored meanwhile; reload and retry.'),
  'foreign-key': () => new Problem('conflict', 'The change refers to something that no longer exists, or that is still in use; reload and retry.'),
  check: () => new Problem('conflict', 'The change would break a rule of the stored data; reload and retry.'),
  serialization: () => new Problem('service-unavailable', 'Too many concurrent changes to the same data; retry shortly.', { headers: { 'Retry-After': '1' } }),
  'invalid-value': () => new Problem('validation-error', 'A value of the request cannot be stored as sent.'),
};

/** Turns whatever was thrown into a Problem, never letting internals (stack, SQL, paths) through. */
export function toProblem(err: unknown, patternMessages: ReadonlyMap<string, string> = new Map()): Problem | null {
  if (err instanceof Problem) return err;
  const databaseError = dbErrorKind(err);
  if (databaseError) return DATABASE_PROBLEMS[databaseError]();
  if (isBodyParserError(err)) {
    const kind = BODY_PARSER_KINDS[err.type] as ProblemKind;
    return new Problem(kind, PUBLIC_DETAILS[kind] ?? kind);
  }
  if (isValidatorError(err)) {
    const kind = STATUS_KINDS[err.status];
    if (!kind) return null;
    if (kind === 'validation-error') return new Problem(kind, PUBLIC_DETAILS[kind] as string, { errors: fieldErrors(err, patternMessages) });
    // Security handler messages are ours and safe to show; other validator messages echo the spec.
    const ours = (kind === 'unauthorized' || kind === 'forbidden') && err.message && err.message !== 'unauthorized';
    const detail = ours ? (err.message as string) : (PUBLIC_DETAILS[kind] ?? err.message ?? kind);
    return new Problem(kind, detail);
  }
  return null;
}

/** A problem as the answer to a request: what is sent, and what an idempotent request stores to send again. */
export function problemReply(problem: Problem, req: Request): { status: number; headers: Record<string, string>; body: ProblemBody; contentType: string } {
  const headers = { ...problem.extra.headers, ...(problem.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}) };
  return { status: problem.status, headers, body: problem.body(req.originalUrl.split('?')[0] ?? '/', String(req.id)), contentType: 'application/problem+json' };
}

export function problemHandler(patternMessages: ReadonlyMap<string, string> = new Map()) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const problem = toProblem(err, patternMessages) ?? new Problem('internal-error', 'An unexpected error occurred.');
    if (problem.status >= 500 && problem.kind !== 'service-unavailable') req.log.error({ err }, 'request failed');
    // A database error that reached this far is a race no service foresaw: worth a look.
    else if (dbErrorKind(err)) req.log.warn({ err, problem: problem.kind }, 'database refused the change');
    else req.log.info({ problem: problem.kind, detail: problem.detail }, 'request refused');
    if (res.headersSent) {
      res.end();
      return;
    }
    const reply = problemReply(problem, req);
    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    res.status(reply.status).type(reply.contentType).send(JSON.stringify(reply.body));
  };
}
