import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import type { Db } from './db/knex';
import { contractValidation } from './http/contract-validation';
import { idempotencyStore } from './http/idempotency';
import { inSeries } from './http/series';
import { problemHandler } from './http/error-handler';
import { requestLogging } from './http/request-log';
import { contractRouter } from './http/router';
import { loadSpec } from './http/spec';
import { createLogger } from './logger';
import { createHandlers, createServices, type Services } from './modules';

export interface AppDependencies {
  config: Config;
  db: Db;
  logger?: Logger;
  /** The system clock unless a test brings its own. */
  clock?: Clock;
  /** The modules' services, when the process also runs background jobs on them. */
  services?: Services;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The API answers JSON to programs; the browsable docs are the only pages. API answers carry the
 * headers the OWASP REST Security Cheat Sheet asks of an API (a CSP that allows nothing, no
 * framing, nosniff, HSTS, no referrer) and not helmet's defaults for HTML pages (cross-origin
 * isolation, DNS prefetch, download and XSS-filter switches): those mean nothing to a JSON body,
 * and every header is set, stored and serialised on every answer. The docs keep helmet's full
 * set (their page sets its own CSP).
 */
function securityHeaders(): express.RequestHandler {
  const page = helmet();
  const api = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    xFrameOptions: { action: 'deny' },
  });
  return (req, res, next) => (req.path.startsWith('/docs') ? page(req, res, next) : api(req, res, next));
}

/** Builds the HTTP application; it does not listen, so tests drive it with supertest. */
export function createApp({ config, db, logger = createLogger(config), clock = systemClock, services = createServices(db, config, clock) }: AppDependencies): Express {
  const spec = loadSpec();
  const app = express();

  app.disable('x-powered-by');
  app.set('trust proxy', Array.isArray(config.trustProxy) ? [...config.trustProxy] : config.trustProxy);
  app.set('query parser', 'simple');
  // ETags are versions of editable resources (If-Match), not body hashes.
  app.set('etag', false);

  const requestId = (req: IncomingMessage, res: ServerResponse): string => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    return id;
  };
  // The contract router answers unknown routes, applies each operation's security and reads the
  // body of the operations that take one, before the validator: one table of operations, and no
  // error built for every anonymous request where a token is optional (as the validator's does).
  const router = contractRouter(spec, createHandlers(db, spec, services), {
    authenticate: services.auth.authenticate,
    parseBody: express.json({ limit: config.bodyLimitBytes }),
    db,
    idempotency: idempotencyStore(db, clock),
  });
  const validation = contractValidation({
    apiSpec: structuredClone(spec.document) as never,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: config.validateResponses ? { allErrors: true } : false,
    validateFormats: true,
    // Checking the contract against the OpenAPI meta-schema took a quarter of a second of every
    // start; the contract is fixed at build time, so the tests check it (and redocly lints it).
    validateApiSpec: config.nodeEnv === 'test',
  });
  // No configured origin means no browser origin is ever allowed: then CORS has nothing to add.
  const crossOrigin = config.corsOrigins.length > 0 ? [cors({ origin: [...config.corsOrigins], exposedHeaders: ['ETag', 'X-Request-Id', 'Retry-After'] })] : [];
  app.use(inSeries(requestLogging(app, logger, requestId), securityHeaders(), ...crossOrigin, router.gate, validation, router.dispatch));
  app.use(problemHandler(spec.patternMessages));
  return app;
}
