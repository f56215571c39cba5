import type { Request, Response } from 'express';
import type { operations } from '../generated/api';
import type { Tx } from '../db/tx';
import type { AuthContext } from './auth';

/**
 * Handlers are typed from the generated contract: renaming a field in openapi/ and running
 * `npm run gen` breaks compilation wherever the old shape is still used.
 */
export type OperationId = keyof operations;
type Operation<K extends OperationId> = operations[K];

type ContentOf<T> = T extends { content: infer C } ? C[keyof C] : undefined;
type SuccessStatus = 200 | 201 | 202 | 204;

export type RequestBody<K extends OperationId> =
  Operation<K> extends { requestBody: infer R } ? ([R] extends [never] ? undefined : ContentOf<NonNullable<R>>) : undefined;
type ParametersOf<K extends OperationId> = Operation<K>['parameters'];
export type PathParams<K extends OperationId> = ParametersOf<K> extends { path: infer P } ? ([P] extends [never] ? Record<string, never> : P) : Record<string, never>;
export type HeaderParams<K extends OperationId> = ParametersOf<K> extends { header?: infer H } ? ([H] extends [never] ? Record<string, never> : NonNullable<H>) : Record<string, never>;
export type QueryParams<K extends OperationId> = ParametersOf<K> extends { query?: infer Q } ? ([Q] extends [never] ? Record<string, never> : NonNullable<Q>) : Record<string, never>;

type Responses<K extends OperationId> = Operation<K>['responses'];
export type Reply<K extends OperationId> = {
  [S in keyof Responses<K> & SuccessStatus]: {
    status: S;
    body: ContentOf<Responses<K>[S]>;
    headers?: Record<string, string>;
    contentType?: string;
  };
}[keyof Responses<K> & SuccessStatus];

export interface HandlerContext<K extends OperationId> {
  body: RequestBody<K>;
  params: PathParams<K>;
  query: QueryParams<K>;
  /** The header parameters the operation declares (validated), under the contract's names. */
  headers: HeaderParams<K>;
  /**
   * Runs `work` in the request's transaction. With an `Idempotency-Key`, that transaction also
   * stores the answer, so the effect and its replay commit together (docs/idempotency.md).
   */
  tx: <R>(work: (tx: Tx) => Promise<R>) => Promise<R>;
  /** Set by the router from a valid bearer token (always, on operations that require one). */
  auth: AuthContext | undefined;
  req: Request;
  res: Response;
}

export type Handler<K extends OperationId> = (ctx: HandlerContext<K>) => Promise<Reply<K>> | Reply<K>;

/** One handler per operation of the contract: a missing or extra key fails to compile. */
export type HandlerMap = { [K in OperationId]: Handler<K> };

/** The authenticated caller; handlers of secured operations can rely on it. */
export function requireAuth(ctx: { auth: AuthContext | undefined }): AuthContext {
  if (!ctx.auth) throw new Error('Operation reached without authentication: check its security in openapi/');
  return ctx.auth;
}
