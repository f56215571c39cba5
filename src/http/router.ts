import { Router, type NextFunction, type Request, type Response } from 'express';
import type { HandlerMap, OperationId } from './handler';
import { Problem } from './problems';
import type { LoadedSpec } from './spec';

interface CompiledPath {
  template: string;
  pattern: RegExp;
  methods: string[];
}

/** `/api/v1/sellers/{sellerId}` → `/api/v1/sellers/:sellerId` */
export const toExpressPath = (template: string): string => template.replace(/\{([^}]+)\}/g, ':$1');

function compilePaths(spec: LoadedSpec): CompiledPath[] {
  const byTemplate = new Map<string, string[]>();
  for (const op of spec.operations) {
    byTemplate.set(op.path, [...(byTemplate.get(op.path) ?? []), op.method.toUpperCase()]);
  }
  return [...byTemplate].map(([template, methods]) => ({
    template,
    pattern: new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\}/g, '[^/]+') + '/?$'),
    methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods,
  }));
}

/**
 * Answers 404 for paths outside the contract and 405 (with `Allow`) for a method the path does
 * not have, before the validator runs, so unknown routes never reach any code.
 */
export function contractGate(spec: LoadedSpec) {
  const compiled = compilePaths(spec);
  return (req: Request, res: Response, next: NextFunction): void => {
    const entry = compiled.find((c) => c.pattern.test(req.path));
    if (!entry) return next(new Problem('not-found', `No route ${req.method} ${req.path}.`));
    if (!entry.methods.includes(req.method)) {
      res.setHeader('Allow', entry.methods.join(', '));
      return next(new Problem('method-not-allowed', `${req.method} is not supported on ${entry.template}.`));
    }
    next();
  };
}

/** The map's handlers seen through their common runtime shape, for dispatch. */
interface RawReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}
type AnyHandler = (ctx: unknown) => Promise<RawReply> | RawReply;

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


function route(handler: AnyHandler) {
  return async (req: Request, res: Response): Promise<void> => {
    const ctx = { body: req.body as unknown, params: req.params, query: req.query, auth: req.auth, req, res };
    send(res, await handler(ctx));
  };
}

/** Mounts one route per operation of the contract, each to the handler named by its operationId. */
export function operationRouter(spec: LoadedSpec, handlers: HandlerMap): Router {
  const router = Router();
  for (const op of spec.operations) {
    const handler = handlers[op.operationId as OperationId];
    if (!handler) throw new Error(`No handler for operation ${op.operationId}`);
    router[op.method](toExpressPath(op.path), route(handler as AnyHandler));
  }
  return router;
}
