import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from './config';
import type { Db } from './db/knex';
import { contractValidation } from './http/contract-validation';
import { problemHandler } from './http/error-handler';
import { requestLogging } from './http/request-log';
import { contractRouter } from './http/router';
import { loadSpec } from './http/spec';
import { createLogger } from './logger';
import { createHandlers, createServices } from './modules';

export interface AppDependencies {
  config: Config;
  db: Db;
  logger?: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the HTTP application; it does not listen, so tests drive it with supertest. */
export function createApp({ config, db, logger = createLogger(config) }: AppDependencies): Express {
  const spec = loadSpec();
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
  app.use(requestLogging(app, logger, requestId));
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
  app.use(
    contractValidation({
      apiSpec: structuredClone(spec.document) as never,
      validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
      validateResponses: config.validateResponses ? { allErrors: true } : false,
      validateFormats: true,
    }),
  );
  app.use(router.dispatch);
  app.use(problemHandler(spec.patternMessages));
  return app;
}
