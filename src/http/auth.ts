import type { Request } from 'express';
import type { Role } from '../modules/users/user.model';
import { Problem } from './problems';

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

class SecurityFailure extends Error {
  constructor(readonly status: 401 | 403 | 500, message: string) {
    super(message);
  }
}

/**
 * The express-openapi-validator security handler for `bearerAuth`. The scopes of an operation's
 * security requirement are the roles allowed to call it (none listed: any authenticated role).
 */
export function bearerAuthHandler(authenticate: TokenAuthenticator) {
  return async (req: Request, roles: string[]): Promise<boolean> => {
    const header = req.headers.authorization;
    // No credentials at all: a plain "no" (the error handler words the 401), without building an
    // error and its stack on every anonymous request to an operation where a token is optional.
    if (header === undefined) return false;
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match?.[1]) throw new SecurityFailure(401, 'A valid bearer access token is required.');
    let auth: AuthContext;
    try {
      auth = await authenticate(match[1]);
    } catch (err) {
      if (err instanceof Problem) throw new SecurityFailure(401, 'The access token is invalid, expired or revoked.');
      req.log.error({ err }, 'authentication failed unexpectedly');
      throw new SecurityFailure(500, 'internal error');
    }
    req.auth = auth;
    if (roles.length > 0 && !roles.includes(auth.role)) {
      throw new SecurityFailure(403, `This operation requires one of the roles ${roles.join(', ')}.`);
    }
    return true;
  };
}
