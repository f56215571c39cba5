import { hashPassword, verifyPassword } from '../src/modules/auth/passwords';

describe('password hashing', () => {
  it('uses scrypt at N=2^17, r=8, p=1 with a per-user salt by default', async () => {
    const a = await hashPassword('correct-horse-battery', 17);
    const b = await hashPassword('correct-horse-battery', 17);
    expect(a).toMatch(/^scrypt\$17\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct-horse-battery', a)).toBe(true);
    expect(await verifyPassword('correct-horse-batterY', a)).toBe(false);
  });

  it('verifies hashes made at another cost, so the cost can be raised later', async () => {
    const cheap = await hashPassword('another-passphrase', 10);
    expect(await verifyPassword('another-passphrase', cheap)).toBe(true);
  });

  it('refuses hashes it does not understand', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});
