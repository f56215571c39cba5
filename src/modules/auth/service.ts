import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../config';
import { nowIso, type Db } from '../../db/knex';
import { isUniqueViolation } from '../../db/errors';
import type { AuthContext } from '../../http/auth';
import { Problem } from '../../http/problems';
import type { components } from '../../generated/api';
import { normalizeEmail, User, type UserView } from '../users/user.model';
import { signAccessToken, verifyAccessToken } from './access-tokens';
import { createLoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './passwords';
import { RefreshToken } from './refresh-token.model';

type RegisterInput = components['schemas']['RegisterRequest'];
export type TokenPair = components['schemas']['TokenPair'];

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const invalidCredentials = (): Problem => new Problem('invalid-credentials', 'The email or password is incorrect.');
const invalidRefresh = (): Problem => new Problem('invalid-refresh-token', 'The refresh token is invalid, expired or revoked; log in again.');

export function createAuthService(db: Db, config: Config) {
  const throttle = createLoginThrottle(db, config.loginThrottle);
  // Verified against when the email is unknown, so both failures cost the same time.
  const decoyHash = hashPassword(randomBytes(16).toString('hex'), config.passwordScryptLogN);

  async function issueTokens(trx: Db, user: User, familyId: string): Promise<TokenPair> {
    const refreshToken = `${uuidv7()}.${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    await RefreshToken.query(trx).insert({
      id: uuidv7(),
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(now + config.refreshTokenTtlDays * 86_400_000).toISOString(),
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(now).toISOString(),
    });
    return {
      accessToken: signAccessToken(config.jwt, user.id, user.role),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: config.jwt.accessTtlSeconds,
    };
  }

  async function revokeFamily(trx: Db, familyId: string): Promise<void> {
    await RefreshToken.query(trx).where({ family_id: familyId }).whereNull('revoked_at').patch({ revokedAt: nowIso() });
  }

  return {
    async register(input: RegisterInput): Promise<UserView> {
      const now = nowIso();
      try {
        const user = await User.query(db).insertAndFetch({
          id: uuidv7(),
          email: normalizeEmail(input.email),
          passwordHash: await hashPassword(input.password, config.passwordScryptLogN),
          displayName: input.displayName,
          role: input.role,
          status: 'active',
          statusReason: null,
          tokensNotBefore: null,
          createdAt: now,
          updatedAt: now,
        });
        return user.toView();
      } catch (err) {
        if (isUniqueViolation(err)) throw new Problem('email-taken', 'An account already uses this email.');
        throw err;
      }
    },

    async login(emailInput: string, password: string, ip: string): Promise<TokenPair> {
      const email = normalizeEmail(emailInput);
      await throttle.assertAllowed(ip, email);
      const user = await User.query(db).findOne({ email });
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
      if (!user || !ok) {
        await throttle.recordFailure(ip, email);
        throw invalidCredentials();
      }
      if (user.status !== 'active') throw new Problem('unauthorized', 'This account is suspended.');
      await throttle.reset(ip, email);
      return db.transaction((trx) => issueTokens(trx, user, uuidv7()));
    },

    /** Single use: a second presentation of the same token is treated as theft and ends the family. */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const outcome = await db.transaction(async (trx) => {
        const token = await RefreshToken.query(trx).findOne({ token_hash: sha256(refreshToken) });
        if (!token || token.revokedAt) return null;
        // Conditional update: of two concurrent refreshes with one token, exactly one wins.
        const claimed = await RefreshToken.query(trx).where({ id: token.id }).whereNull('used_at').patch({ usedAt: nowIso() });
        if (claimed === 0) {
          await revokeFamily(trx, token.familyId);
          return 'reused' as const;
        }
        if (Date.parse(token.expiresAt) <= Date.now()) return null;
        const user = await User.query(trx).findById(token.userId);
        if (!user || user.status !== 'active') return null;
        return issueTokens(trx, user, token.familyId);
      });
      if (outcome === null || outcome === 'reused') throw invalidRefresh();
      return outcome;
    },

    async logout(refreshToken: string): Promise<void> {
      await db.transaction(async (trx) => {
        const token = await RefreshToken.query(trx).findOne({ token_hash: sha256(refreshToken) });
        if (token) await revokeFamily(trx, token.familyId);
      });
    },

    /** Bearer token → caller. Checked on every request, so suspension takes effect at once. */
    async authenticate(accessToken: string): Promise<AuthContext> {
      const claims = verifyAccessToken(config.jwt, accessToken);
      const user = await User.query(db).findById(claims.userId);
      if (!user || user.status !== 'active') throw new Problem('unauthorized', 'The account is not active.');
      if (user.tokensNotBefore && claims.issuedAt < Math.floor(Date.parse(user.tokensNotBefore) / 1000)) {
        throw new Problem('unauthorized', 'The access token was revoked.');
      }
      return { userId: user.id, role: user.role };
    },

    async revokeAllSessions(trx: Db, userId: string): Promise<void> {
      const now = nowIso();
      await RefreshToken.query(trx).where({ user_id: userId }).whereNull('revoked_at').patch({ revokedAt: now });
      await User.query(trx).findById(userId).patch({ tokensNotBefore: now });
    },

    hashPassword: (password: string) => hashPassword(password, config.passwordScryptLogN),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
