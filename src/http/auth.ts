import type { Request } from 'express';
import type { components } from '../generated/api';

type Role = components['schemas']['Role'];
import { Problem } from './problems';
import type { OpenApiDocument, OpenApiOperation } from './spec';

export interface AuthContext {
  userId: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

/** Resolves a bearer token to an active user or throws an `unauthorized` Problem; injected so this layer knows no tables. */
export type TokenAuthenticator = (token: string) => Promise<AuthContext>;

/**
 * What an operation's `security` in the contract asks of a caller:
 * - `public`: no requirement (`security: []`);
 * - `optional`: anonymous allowed (`{}` among the alternatives), a token when sent must be valid;
 * - `required`: a valid bearer token, of one of `roles` when the requirement lists scopes.
 */
export type SecurityRule = { kind: 'public' } | { kind: 'optional' } | { kind: 'required'; roles: readonly string[] };

/**
 * The rule of one operation, from its own `security` or the document's. Only the `bearerAuth`
 * scheme exists; anything else in the contract is refused at start-up rather than left unenforced.
 */
export function securityRuleOf(operation: OpenApiOperation, document: OpenApiDocument): SecurityRule {
  const requirements = operation.security ?? (document.security as OpenApiOperation['security']) ?? [];
  if (requirements.length === 0) return { kind: 'public' };
  const roles = new Set<string>();
  let anyRole = false;
  let anonymous = false;
  for (const requirement of requirements) {
    const schemes = Object.keys(requirement);
    if (schemes.length === 0) anonymous = true;
    for (const scheme of schemes) {
      if (scheme !== 'bearerAuth') throw new Error(`${operation.operationId}: security scheme ${scheme} is not implemented`);
      const scopes = requirement[scheme] ?? [];
      if (scopes.length === 0) anyRole = true;
      scopes.forEach((scope) => roles.add(scope));
    }
  }
  if (anonymous) return { kind: 'optional' };
  return { kind: 'required', roles: anyRole ? [] : [...roles] };
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** Whether a request must go through `authenticateRequest`: synchronous, so that public and anonymous requests cost no promise. */
export function authenticationNeeded(req: Request, rule: SecurityRule): boolean {
  return rule.kind === 'required' || (rule.kind === 'optional' && req.headers.authorization !== undefined);
}

/**
 * Applies an operation's rule to a request that needs it (see `authenticationNeeded`): sets
 * `req.auth` for a valid token, throws a 401 or 403 Problem otherwise. A token sent to an
 * operation where it is optional must still be valid, so a client with an expired token learns
 * to refresh it instead of being served as a stranger.
 */
export async function authenticateRequest(req: Request, rule: SecurityRule, authenticate: TokenAuthenticator): Promise<void> {
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  if (!token) throw new Problem('unauthorized', 'A valid bearer access token is required.');
  let auth: AuthContext;
  try {
    auth = await authenticate(token);
  } catch (err) {
    if (err instanceof Problem) throw new Problem('unauthorized', 'The access token is invalid, expired or revoked.');
    throw err;
  }
  if (rule.kind === 'required' && rule.roles.length > 0 && !rule.roles.includes(auth.role)) {
    throw new Problem('forbidden', `This operation requires one of the roles ${rule.roles.join(', ')}.`);
  }
  req.auth = auth;
}
