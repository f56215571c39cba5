import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../../config';
import { nowIso, type Db } from '../../db/knex';
import { passwordWeakness } from '../auth/password-policy';
import { hashPassword } from '../auth/passwords';
import { normalizeEmail, User } from './user.model';

export type AdminOutcome = 'created' | 'password-reset' | 'exists';

/**
 * Admins are never registered through the API: the operator names one by environment or CLI.
 * An existing admin keeps its password unless `resetPassword` is asked; a non-admin account with
 * that email is refused rather than silently promoted.
 */
export async function ensureAdmin(
  db: Db,
  config: Config,
  credentials: { email: string; password: string },
  options: { resetPassword?: boolean } = {},
): Promise<AdminOutcome> {
  const email = normalizeEmail(credentials.email);
  const existing = await User.query(db).findOne({ email });
  if (existing && existing.role !== 'admin') {
    throw new Error(`${email} belongs to a ${existing.role} account; refusing to turn it into an admin`);
  }
  if (existing && !options.resetPassword) return 'exists';
  const weakness = passwordWeakness(credentials.password, { email });
  if (weakness) throw new Error(`The admin password ${weakness}`);
  const passwordHash = await hashPassword(credentials.password, config.passwordScryptLogN);
  const now = nowIso();
  if (existing) {
    await User.query(db).findById(existing.id).patch({ passwordHash, status: 'active', updatedAt: now });
    return 'password-reset';
  }
  await User.query(db).insert({
    id: uuidv7(),
    email,
    passwordHash,
    displayName: 'OTOMOTO admin',
    role: 'admin',
    status: 'active',
    statusReason: null,
    tokenGeneration: 0,
    createdAt: now,
    updatedAt: now,
  });
  return 'created';
}
