import { nowIso, type Db } from '../../db/knex';
import { withTx, type Queryable } from '../../db/tx';
import { pageNewestFirst, type PageRequest } from '../../db/paging';
import type { Config } from '../../config';
import { notFound, Problem } from '../../http/problems';
import type { Page } from '../../http/pagination';
import type { AuthService } from '../auth/service';
import { assertStrongPassword } from '../auth/password-policy';
import { verifyPassword } from '../auth/passwords';
import { User, type Role, type UserStatus, type UserView } from './user.model';
import { refreshUserListing } from '../parts/listing-sync';

export interface UserFilter extends PageRequest {
  role?: Role;
  status?: UserStatus;
}

export function createUserService(db: Db, _config: Config, auth: AuthService) {
  async function findOrThrow(q: Queryable, userId: string): Promise<User> {
    const user = await User.query(q).findById(userId);
    if (!user) throw notFound('user');
    return user;
  }

  async function setStatus(actorId: string, userId: string, status: UserStatus, reason: string): Promise<UserView> {
    if (actorId === userId) throw new Problem('invalid-state-transition', 'Administrators cannot change their own status.');
    return withTx(db, async (tx) => {
      const user = await findOrThrow(tx, userId);
      if (user.status === status) throw new Problem('invalid-state-transition', `The account is already ${status}.`);
      if (status === 'suspended') await auth.revokeAllSessions(tx, user.id);
      const updated = await User.query(tx).patchAndFetchById(user.id, { status, statusReason: reason, updatedAt: nowIso() });
      await refreshUserListing(tx, user.id);
      return updated.toView();
    });
  }

  return {
    async getMe(userId: string): Promise<UserView> {
      return (await findOrThrow(db, userId)).toView();
    },

    async updateMe(userId: string, patch: { displayName?: string }): Promise<UserView> {
      const changes = patch.displayName === undefined ? {} : { displayName: patch.displayName };
      const user = await User.query(db).patchAndFetchById(userId, { ...changes, updatedAt: nowIso() });
      if (!user) throw notFound('user');
      return user.toView();
    },

    /** Ends every session of the account: a leaked password must not leave a live token behind. */
    async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<void> {
      const user = await findOrThrow(db, userId);
      if (!(await verifyPassword(currentPassword, user.passwordHash))) {
        throw new Problem('invalid-credentials', 'The current password is incorrect.');
      }
      assertStrongPassword(newPassword, '/body/newPassword', { email: user.email, displayName: user.displayName });
      const passwordHash = await auth.hashPassword(newPassword);
      await withTx(db, async (tx) => {
        await User.query(tx).findById(userId).patch({ passwordHash, updatedAt: nowIso() });
        await auth.revokeAllSessions(tx, userId);
      });
    },

    async list(filter: UserFilter): Promise<Page<UserView>> {
      const query = User.query(db);
      if (filter.role) query.where('role', filter.role);
      if (filter.status) query.where('status', filter.status);
      return pageNewestFirst(query, filter, (u) => u.toView());
    },

    suspend: (actorId: string, userId: string, reason: string) => setStatus(actorId, userId, 'suspended', reason),
    reactivate: (actorId: string, userId: string, reason: string) => setStatus(actorId, userId, 'active', reason),
  };
}

export type UserService = ReturnType<typeof createUserService>;
