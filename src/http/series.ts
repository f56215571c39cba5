import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Middleware run in order as one Express layer. For each layer mounted with `app.use`, Express's
 * router matches the path, trims the mount prefix and makes a closure on every request, which
 * buys nothing for steps that run on every path; here each step calls the next directly. A step
 * that throws or whose promise rejects passes its error on, as Express 5 does.
 */
export function inSeries(...steps: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction): void => {
    let index = 0;
    const next = (err?: unknown): void => {
      if (err) return done(err);
      const step = steps[index++];
      if (!step) return done();
      try {
        const result: unknown = step(req, res, next);
        if (result instanceof Promise) result.catch(done);
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
  };
}
