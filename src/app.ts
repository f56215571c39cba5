import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Express, type Request } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp, type Options } from 'pino-http';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from './config';
import type { Db } from './db/knex';
import { problemHandler } from './http/error-handler';
import { contractRouter } from './http/router';
import { loadSpec } from './http/spec';
import { memoizeValidatorRouteMatching } from './http/validator-routes';
import { createLogger } from './logger';
import { createHandlers, createServices } from './modules';

export interface AppDependencies {
  config: Config;
  db: Db;
  logger?: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One line per request: method, path, status, duration, request id and user id. Headers only at
 * `debug` (the Authorization header is redacted by the logger either way).
 */
function requestLogOptions(logger: Logger, genReqId: (req: IncomingMessage, res: ServerResponse) => string): Options {
  const withHeaders = logger.isLevelEnabled('debug');
  const line = (req: IncomingMessage, res: ServerResponse, outcome: string) => `${req.method} ${(req as Request).originalUrl ?? req.url} ${res.statusCode} ${outcome}`;
  return {
    logger,
    genReqId,
    serializers: {
      req: (req: { id: string; method: string; url: string; headers: unknown }) => (withHeaders ? { id: req.id, method: req.method, url: req.url, headers: req.headers } : { id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number; headers: unknown }) => (withHeaders ? { statusCode: res.statusCode, headers: res.headers } : { statusCode: res.statusCode }),
    },
    customProps: (req) => ((req as Request).auth ? { userId: (req as Request).auth?.userId } : {}),
    customSuccessMessage: (req, res, ms) => line(req, res, `${Math.round(ms)}ms`),
    // The duration is in `responseTime` on this line too; the failure itself is logged beside it.
    customErrorMessage: (req, res) => line(req, res, 'failed'),
  };
}

/** Builds the HTTP application; it does not listen, so tests drive it with supertest. */
export function createApp({ config, db, logger = createLogger(config) }: AppDependencies): Express {
  const spec = loadSpec();
  memoizeValidatorRouteMatching();
  const services = createServices(db, config);
  const app = express();

  app.disable('x-powered-by');
  app.set('trust proxy', Array.isArray(config.trustProxy) ? [...config.trustProxy] : config.trustProxy);
  app.set('query parser', 'simple');
  // ETags are versions of editable resources (If-Match), not body hashes.
  app.set('etag', false);

  const requestId = (req: IncomingMessage, res: ServerResponse): string => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : uuidv7();
    res.setHeader('X-Request-Id', id);
    return id;
  };
  if (logger.isLevelEnabled('fatal')) {
    app.use(pinoHttp(requestLogOptions(logger, requestId)));
  } else {
    // Logging is off: keep request ids and req.log, skip building a log record per request.
    app.use((req, res, next) => {
      req.id = requestId(req, res);
      req.log = logger;
      next();
    });
  }
  app.use(helmet());
  // No configured origin means no browser origin is ever allowed: then CORS has nothing to add.
  if (config.corsOrigins.length > 0) {
    app.use(cors({ origin: [...config.corsOrigins], exposedHeaders: ['ETag', 'X-Request-Id', 'Retry-After'] }));
  }
  // The contract router answers unknown routes, applies each operation's security and reads the
  // body of the operations that take one, before the validator: one table of operations, and no
  // error built for every anonymous request where a token is optional (as the validator's does).
  const router = contractRouter(spec, createHandlers(db, spec, services), {
    authenticate: services.auth.authenticate,
    parseBody: express.json({ limit: config.bodyLimitBytes }),
  });
  app.use(router.gate);
  const validator = OpenApiValidator.middleware({
    apiSpec: structuredClone(spec.document) as never,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: config.validateResponses ? { allErrors: true } : false,
    validateSecurity: false,
    validateFormats: true,
  });
  // With security off, the validator still installs a step that only passes the request on (a
  // promise and a middleware layer per request); if a release renames it, it simply stays.
  app.use(validator.filter((step) => step.name !== 'securityMiddleware'));
  app.use(router.dispatch);
  app.use(problemHandler(spec.patternMessages));
  return app;
}
