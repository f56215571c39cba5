import { nowIso, type Db } from '../../db/knex';
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
  async function findOrThrow(userId: string, trx: Db = db): Promise<User> {
    const user = await User.query(trx).findById(userId);
    if (!user) throw notFound('user');
    return user;
  }

  async function setStatus(actorId: string, userId: string, status: UserStatus, reason: string): Promise<UserView> {
    if (actorId === userId) throw new Problem('invalid-state-transition', 'Administrators cannot change their own status.');
    return db.transaction(async (trx) => {
      const user = await findOrThrow(userId, trx);
      if (user.status === status) throw new Problem('invalid-state-transition', `The account is already ${status}.`);
      if (status === 'suspended') await auth.revokeAllSessions(trx, user.id);
      const updated = await User.query(trx).patchAndFetchById(user.id, { status, statusReason: reason, updatedAt: nowIso() });
      await refreshUserListing(trx, user.id);
      return updated.toView();
    });
  }

  return {
    async getMe(userId: string): Promise<UserView> {
      return (await findOrThrow(userId)).toView();
    },

    async updateMe(userId: string, patch: { displayName?: string }): Promise<UserView> {
      const changes = patch.displayName === undefined ? {} : { displayName: patch.displayName };
      const user = await User.query(db).patchAndFetchById(userId, { ...changes, updatedAt: nowIso() });
      if (!user) throw notFound('user');
      return user.toView();
    },

    /** Ends every session of the account: a leaked password must not leave a live token behind. */
    async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<void> {
      const user = await findOrThrow(userId);
      if (!(await verifyPassword(currentPassword, user.passwordHash))) {
        throw new Problem('invalid-credentials', 'The current password is incorrect.');
      }
      assertStrongPassword(newPassword, '/body/newPassword', { email: user.email, displayName: user.displayName });
      const passwordHash = await auth.hashPassword(newPassword);
      await db.transaction(async (trx) => {
        await User.query(trx).findById(userId).patch({ passwordHash, updatedAt: nowIso() });
        await auth.revokeAllSessions(trx, userId);
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
