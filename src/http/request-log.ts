import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

declare module 'http' {
  interface IncomingMessage {
    /** The request id (X-Request-Id): in every log line and problem about the request. */
    id: string;
    /** A logger bound to the request id, made on first use (most requests never need one). */
    log: Logger;
  }
}

type RequestId = (req: IncomingMessage, res: ServerResponse) => string;

const REQUEST_LOG = Symbol('requestLog');
const STARTED = Symbol('started');

/**
 * One log line per request when it ends: method, path, status, duration, request id and user id
 * (headers too at `debug`, the Authorization header redacted by the logger). Written here rather
 * than with pino-http, which builds a child logger and serialises the request for every request
 * before anything is logged: the line we want is one call at the end.
 */
export function requestLogging(app: Express, logger: Logger, requestId: RequestId): RequestHandler {
  // `req.log` for the few requests that log something of their own (a failure, a refusal).
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request & { [REQUEST_LOG]?: Logger }): Logger {
      this[REQUEST_LOG] ??= logger.child({ reqId: this.id });
      return this[REQUEST_LOG];
    },
  });
  if (!logger.isLevelEnabled('info')) {
    return (req, res, next) => {
      req.id = requestId(req, res);
      next();
    };
  }
  const withHeaders = logger.isLevelEnabled('debug');
  // One listener shared by every response (it reads what it needs from the response), rather
  // than a closure made per request.
  function logLine(this: ServerResponse & { req: Request; [STARTED]?: number }): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the emitter passes the response as `this`
    const res = this;
    const { req } = res;
    const responseTime = Math.round(performance.now() - (res[STARTED] as number));
    const outcome = res.writableFinished ? `${responseTime}ms` : 'aborted';
    const record = {
      reqId: req.id,
      req: withHeaders ? { method: req.method, url: req.originalUrl, headers: req.headers } : { method: req.method, url: req.originalUrl },
      res: withHeaders ? { statusCode: res.statusCode, headers: res.getHeaders() } : { statusCode: res.statusCode },
      responseTime,
      userId: req.auth?.userId,
    };
    const message = `${req.method} ${req.originalUrl} ${res.statusCode} ${outcome}`;
    if (res.statusCode >= 500) logger.error(record, message);
    else logger.info(record, message);
  }
  return (req, res, next) => {
    (res as { [STARTED]?: number })[STARTED] = performance.now();
    req.id = requestId(req, res);
    // 'close' comes once per response, finished or aborted.
    res.on('close', logLine);
    next();
  };
}
