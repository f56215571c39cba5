import { systemClock } from '../../clock';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { withTx } from '../../db/tx';
import { createUserService, normalizeEmail } from '../users/service';
import { passwordWeakness } from './password-policy';
import { hashPassword } from './passwords';

export type AdminOutcome = 'created' | 'password-reset' | 'exists';

/**
 * Admins are never registered through the API: the operator names one by environment or CLI.
 * An existing admin keeps its password unless `resetPassword` is asked (which also reactivates it
 * and ends its sessions); a non-admin account with that email is refused rather than silently
 * promoted.
 */
export async function ensureAdmin(
  db: Db,
  config: Config,
  credentials: { email: string; password: string },
  options: { resetPassword?: boolean } = {},
): Promise<AdminOutcome> {
  const users = createUserService(db, systemClock);
  const email = normalizeEmail(credentials.email);
  const existing = await users.findAccountByEmail(db, email);
  if (existing && existing.role !== 'admin') {
    throw new Error(`${email} belongs to a ${existing.role} account; refusing to turn it into an admin`);
  }
  if (existing && !options.resetPassword) return 'exists';
  const weakness = passwordWeakness(credentials.password, { email });
  if (weakness) throw new Error(`The admin password ${weakness}`);
  const passwordHash = await hashPassword(credentials.password, config.passwordScryptLogN);
  if (existing) {
    await withTx(db, (tx) => users.setPasswordHash(tx, existing.id, passwordHash, { reactivate: true }));
    return 'password-reset';
  }
  await users.createAccount(db, { email, displayName: 'OTOMOTO admin', role: 'admin', passwordHash });
  return 'created';
}
