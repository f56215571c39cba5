import { v7 as uuidv7 } from 'uuid';
import { isUniqueViolation } from '../../db/errors';
import { isoNow, type Clock } from '../../clock';
import { directReadById } from '../../db/direct-read';
import type { Db } from '../../db/knex';
import { withTx, type Queryable, type Tx } from '../../db/tx';
import { pageNewestFirst, type PageRequest } from '../../http/keyset-paging';
import type { Page } from '../../http/pagination';
import { notFound, Problem } from '../../http/problems';
import { Hooks, type Subscriptions } from '../hooks';
import type { UserEvents } from './hooks';
import { normalizeEmail, User, type Role, type UserStatus, type UserView } from './user.model';

export type { Role, UserStatus, UserView } from './user.model';
export { normalizeEmail } from './user.model';

export interface UserFilter extends PageRequest {
  role?: Role;
  status?: UserStatus;
}

/** An account with what signing in needs, for the auth module. */
export interface Account {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  status: UserStatus;
  passwordHash: string;
  /** Tokens carry it; moving it ends every session of the account. */
  tokenGeneration: number;
  toView(): UserView;
}

/** What every authenticated request checks of its caller's account. */
export interface AccountStanding {
  id: string;
  role: Role;
  status: UserStatus;
  tokenGeneration: number;
}

export interface NewAccount {
  email: string;
  displayName: string;
  role: Role;
  passwordHash: string;
}

/**
 * Accounts: the `users` table is this module's. Credentials are checked and hashed by the auth
 * module, which reads and writes accounts through the methods below.
 */
export function createUserService(db: Db, clock: Clock) {
  const hooks = new Hooks<UserEvents>();
  // Read on every authenticated request: on the driver, not through the model (docs/performance.md).
  const standingById = directReadById<AccountStanding>(db, {
    name: 'user_standing_by_id',
    select: 'SELECT id, role, status, token_generation AS "tokenGeneration" FROM users',
    idColumn: 'users.id',
    idOf: (row) => row.id,
  });

  async function findOrThrow(q: Queryable, userId: string): Promise<User> {
    const user = await User.query(q).findById(userId);
    if (!user) throw notFound('user');
    return user;
  }

  async function endSessions(tx: Tx, userId: string): Promise<void> {
    await User.query(tx).findById(userId).increment('token_generation', 1);
  }

  async function setStatus(actorId: string, userId: string, status: UserStatus, reason: string): Promise<UserView> {
    if (actorId === userId) throw new Problem('invalid-state-transition', 'Administrators cannot change their own status.');
    return withTx(db, async (tx) => {
      const user = await findOrThrow(tx, userId);
      if (user.status === status) throw new Problem('invalid-state-transition', `The account is already ${status}.`);
      if (status === 'suspended') await endSessions(tx, user.id);
      const updated = await User.query(tx).patchAndFetchById(user.id, { status, statusReason: reason, updatedAt: isoNow(clock) });
      await hooks.emit(tx, 'accountStatusChanged', { userId: user.id, status });
      return updated.toView();
    });
  }

  return {
    hooks: hooks as Subscriptions<UserEvents>,

    async getMe(userId: string): Promise<UserView> {
      return (await findOrThrow(db, userId)).toView();
    },

    async updateMe(userId: string, patch: { displayName?: string }): Promise<UserView> {
      const changes = patch.displayName === undefined ? {} : { displayName: patch.displayName };
      const user = await User.query(db).patchAndFetchById(userId, { ...changes, updatedAt: isoNow(clock) });
      if (!user) throw notFound('user');
      return user.toView();
    },

    async list(filter: UserFilter): Promise<Page<UserView>> {
      const query = User.query(db);
      if (filter.role) query.where('role', filter.role);
      if (filter.status) query.where('status', filter.status);
      return pageNewestFirst(query, filter, (u) => u.toView());
    },

    suspend: (actorId: string, userId: string, reason: string) => setStatus(actorId, userId, 'suspended', reason),
    reactivate: (actorId: string, userId: string, reason: string) => setStatus(actorId, userId, 'active', reason),

    findAccountByEmail: async (q: Queryable, email: string): Promise<Account | undefined> => User.query(q).findOne({ email: normalizeEmail(email) }),
    findAccount: async (q: Queryable, userId: string): Promise<Account | undefined> => User.query(q).findById(userId),
    /** The account's role, status and token generation as committed now (authentication's check). */
    standing: (userId: string): Promise<AccountStanding | undefined> => standingById(userId),

    /** A new active account; 409 `email-taken` when the email is in use (compared lower-cased). */
    async createAccount(q: Queryable, input: NewAccount): Promise<Account> {
      const now = isoNow(clock);
      try {
        return await User.query(q).insertAndFetch({
          id: uuidv7(),
          email: normalizeEmail(input.email),
          passwordHash: input.passwordHash,
          displayName: input.displayName,
          role: input.role,
          status: 'active',
          statusReason: null,
          tokenGeneration: 0,
          createdAt: now,
          updatedAt: now,
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new Problem('email-taken', 'An account already uses this email.');
        throw err;
      }
    },

    /** A new password hash, which also ends every session of the account. */
    async setPasswordHash(tx: Tx, userId: string, passwordHash: string, options: { reactivate?: boolean } = {}): Promise<void> {
      await User.query(tx)
        .findById(userId)
        .patch({ passwordHash, updatedAt: isoNow(clock), ...(options.reactivate ? { status: 'active' as const } : {}) });
      await endSessions(tx, userId);
    },

    /** Every access and refresh token issued before this moment stops working, even one minted in the same millisecond. */
    endSessions,
  };
}

export type UserService = ReturnType<typeof createUserService>;
