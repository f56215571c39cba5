import { ensureAdmin } from '../modules/auth/admin-bootstrap';
import { flag, runWithDatabase } from './context';

// npm run create-admin -- --email ops@otomoto.ma --password '…'   (or ADMIN_EMAIL / ADMIN_PASSWORD)
void runWithDatabase(async (db, config) => {
  const email = flag('email') ?? config.admin?.email;
  const password = flag('password') ?? config.admin?.password;
  if (!email || !password) throw new Error('Usage: npm run create-admin -- --email <email> --password <12 to 128 characters>');
  if (password.length < 12 || password.length > 128) throw new Error('The password must be 12 to 128 characters');
  const outcome = await ensureAdmin(db, config, { email, password }, { resetPassword: true });
  console.log(outcome === 'created' ? `Admin ${email} created.` : `Admin ${email} already existed; password reset.`);
});
