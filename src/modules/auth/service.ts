import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../config';
import { isoNow, type Clock } from '../../clock';
import type { Db } from '../../db/knex';
import { withTx, type Tx } from '../../db/tx';
import type { AuthContext } from '../../http/auth';
import { Problem } from '../../http/problems';
import type { components } from '../../generated/api';
import { normalizeEmail, type Account, type UserService, type UserView } from '../users/service';
import { signAccessToken, verifyAccessToken } from './access-tokens';
import { assertStrongPassword } from './password-policy';
import { hashPassword, verifyPassword } from './passwords';
import { createRateLimits, type RateLimit } from './rate-limits';
import { RefreshToken } from './refresh-token.model';

type RegisterInput = components['schemas']['RegisterRequest'];
export type TokenPair = components['schemas']['TokenPair'];

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const invalidCredentials = (): Problem => new Problem('invalid-credentials', 'The email or password is incorrect.');
const invalidRefresh = (): Problem => new Problem('invalid-refresh-token', 'The refresh token is invalid, expired or revoked; log in again.');

/** Credentials, sessions and throttling; accounts themselves belong to the users module. */
export function createAuthService(db: Db, config: Config, clock: Clock, users: UserService) {
  const limits = createRateLimits(db, clock);
  const { rateLimits, loginThrottle } = config;
  const loginsPerAddress: RateLimit = { name: 'login', max: rateLimits.loginPerAddress, windowSeconds: rateLimits.windowSeconds };
  const registrationsPerAddress: RateLimit = { name: 'registration', max: rateLimits.registerPerAddress, windowSeconds: rateLimits.windowSeconds };
  const loginsPerAccount: RateLimit = { name: 'failed login', max: loginThrottle.maxFailures, windowSeconds: loginThrottle.windowSeconds };
  // Verified against when the email is unknown, so both failures cost the same time.
  const decoyHash = hashPassword(randomBytes(16).toString('hex'), config.passwordScryptLogN);

  async function issueTokens(tx: Tx, user: Account, familyId: string): Promise<TokenPair> {
    const refreshToken = `${uuidv7()}.${randomBytes(32).toString('base64url')}`;
    const now = clock.now().getTime();
    await RefreshToken.query(tx).insert({
      id: uuidv7(),
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      generation: user.tokenGeneration,
      expiresAt: new Date(now + config.refreshTokenTtlDays * 86_400_000).toISOString(),
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(now).toISOString(),
    });
    return {
      accessToken: signAccessToken(config.jwt, user.id, user.role, user.tokenGeneration),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: config.jwt.accessTtlSeconds,
    };
  }

  /** A new buyer or seller account; the API's registration and the demo seed both come here. */
  async function createAccount(input: RegisterInput): Promise<UserView> {
    assertStrongPassword(input.password, '/body/password', { email: normalizeEmail(input.email), displayName: input.displayName });
    const passwordHash = await hashPassword(input.password, config.passwordScryptLogN);
    const account = await users.createAccount(db, { email: input.email, displayName: input.displayName, role: input.role, passwordHash });
    return account.toView();
  }

  async function revokeAllRefreshTokens(tx: Tx, userId: string): Promise<void> {
    await RefreshToken.query(tx).where({ user_id: userId }).whereNull('revoked_at').patch({ revokedAt: isoNow(clock) });
  }

  async function revokeFamily(tx: Tx, familyId: string): Promise<void> {
    await RefreshToken.query(tx).where({ family_id: familyId }).whereNull('revoked_at').patch({ revokedAt: isoNow(clock) });
  }

  return {
    /** Counted per client address before any work, so a flood of sign-ups cannot burn scrypt. */
    async register(input: RegisterInput, ip: string): Promise<UserView> {
      await limits.hit(registrationsPerAddress, [ip]);
      return createAccount(input);
    },

    /** For trusted callers (the demo seed): no rate limit. */
    createAccount,

    /**
     * Each attempt is counted before the password is checked, per address and per address and
     * email, in one atomic statement each: parallel guesses cannot all be checked before the
     * first is counted. A suspended account answers exactly as a wrong password does, so the
     * answer never tells whether the password was right.
     */
    async login(emailInput: string, password: string, ip: string): Promise<TokenPair> {
      const email = normalizeEmail(emailInput);
      await limits.hit(loginsPerAddress, [ip]);
      await limits.hit(loginsPerAccount, [ip, email]);
      const user = await users.findAccountByEmail(db, email);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
      if (!user || !ok || user.status !== 'active') throw invalidCredentials();
      await limits.clear(loginsPerAccount, [ip, email]);
      return withTx(db, (tx) => issueTokens(tx, user, uuidv7()));
    },

    /** Single use: a second presentation of the same token is treated as theft and ends the family. */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const outcome = await withTx(db, async (tx) => {
        const token = await RefreshToken.query(tx).findOne({ token_hash: sha256(refreshToken) });
        if (!token || token.revokedAt) return null;
        // Conditional update: of two concurrent refreshes with one token, exactly one wins.
        const claimed = await RefreshToken.query(tx).where({ id: token.id }).whereNull('used_at').patch({ usedAt: isoNow(clock) });
        if (claimed === 0) {
          await revokeFamily(tx, token.familyId);
          return 'reused' as const;
        }
        if (Date.parse(token.expiresAt) <= clock.now().getTime()) return null;
        const user = await users.findAccount(tx, token.userId);
        // A token of an older generation outlived a password change or a suspension.
        if (!user || user.status !== 'active' || user.tokenGeneration !== token.generation) return null;
        return issueTokens(tx, user, token.familyId);
      });
      if (outcome === null || outcome === 'reused') throw invalidRefresh();
      return outcome;
    },

    async logout(refreshToken: string): Promise<void> {
      await withTx(db, async (tx) => {
        const token = await RefreshToken.query(tx).findOne({ token_hash: sha256(refreshToken) });
        if (token) await revokeFamily(tx, token.familyId);
      });
    },

    /** Bearer token → caller. Checked on every request, so suspension takes effect at once. */
    async authenticate(accessToken: string): Promise<AuthContext> {
      const claims = verifyAccessToken(config.jwt, accessToken);
      const user = await users.standing(claims.userId);
      if (!user || user.status !== 'active') throw new Problem('unauthorized', 'The account is not active.');
      if (claims.generation !== user.tokenGeneration) throw new Problem('unauthorized', 'The access token was revoked.');
      return { userId: user.id, role: user.role };
    },

    /** Ends every session of the account: a leaked password must not leave a live token behind. */
    async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<void> {
      const user = await users.findAccount(db, userId);
      if (!user) throw new Problem('unauthorized', 'The account is not active.');
      if (!(await verifyPassword(currentPassword, user.passwordHash))) {
        throw new Problem('invalid-credentials', 'The current password is incorrect.');
      }
      assertStrongPassword(newPassword, '/body/newPassword', { email: user.email, displayName: user.displayName });
      const passwordHash = await hashPassword(newPassword, config.passwordScryptLogN);
      await withTx(db, async (tx) => {
        await users.setPasswordHash(tx, userId, passwordHash);
        await revokeAllRefreshTokens(tx, userId);
      });
    },

    /** A suspended account's refresh tokens are marked revoked too (its generation already ended them). */
    revokeAllRefreshTokens,

  };
}

export type AuthService = ReturnType<typeof createAuthService>;
