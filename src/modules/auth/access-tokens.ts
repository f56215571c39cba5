import { createSecretKey, type KeyObject } from 'node:crypto';
import { isUuid } from '../../db/ids';
import jwt from 'jsonwebtoken';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../config';
import { Problem } from '../../http/problems';
import type { Role } from '../users/service';

const ALGORITHM = 'HS256';
const ROLES: readonly string[] = ['buyer', 'seller', 'admin'];

export interface AccessClaims {
  userId: string;
  role: Role;
  /** The user's token generation when the token was issued; any later bump revokes it. */
  generation: number;
}

/**
 * The secret as a key object, made once per secret. Given a string, jsonwebtoken first tries to
 * parse it as a PEM public key on every call (and fails, and throws): that attempt cost about a
 * sixth of the CPU of a whole authenticated request.
 */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

const invalid = (): Problem => new Problem('unauthorized', 'The access token is invalid, expired or revoked.');

export function signAccessToken(jwtConfig: Config['jwt'], userId: string, role: Role, generation: number): string {
  return jwt.sign({ role, gen: generation }, keyOf(jwtConfig.secret), {
    algorithm: ALGORITHM,
    expiresIn: jwtConfig.accessTtlSeconds,
    issuer: jwtConfig.issuer,
    audience: jwtConfig.audience,
    subject: userId,
    jwtid: uuidv7(),
  });
}

/**
 * Verifies signature, algorithm (pinned: `none` and RS/ES tokens are refused), issuer, audience
 * and expiry. jsonwebtoken accepts tokens without `exp`, so its presence is checked here.
 */
export function verifyAccessToken(jwtConfig: Config['jwt'], token: string): AccessClaims {
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, keyOf(jwtConfig.secret), {
      algorithms: [ALGORITHM],
      issuer: jwtConfig.issuer,
      audience: jwtConfig.audience,
    });
  } catch {
    throw invalid();
  }
  if (typeof payload === 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') throw invalid();
  if (typeof payload.sub !== 'string' || !isUuid(payload.sub) || !ROLES.includes(payload.role as string)) throw invalid();
  if (!Number.isSafeInteger(payload.gen)) throw invalid();
  return { userId: payload.sub, role: payload.role as Role, generation: payload.gen as number };
}
