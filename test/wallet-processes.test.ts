import { v7 as uuidv7 } from 'uuid';
import { ManualClock } from '../src/clock';
import type { Db } from '../src/db/knex';
import { withTx } from '../src/db/tx';
import { Problem } from '../src/http/problems';
import { money } from '../src/money';
import { reconcileLedger } from '../src/modules/wallet/reconcile';
import { walletFor } from './helpers/wallet';
import { sharedDatabase } from './helpers/shared-database';

/**
 * Two connections to one database debiting one wallet at once, as two workers or two instances
 * would: on SQLite, a movement takes the write lock before it reads a balance (a shared read then
 * a write could find the balance changed and fail); on PostgreSQL, the accounts' row locks.
 */
it('debits from two connections at once never overdraw a wallet: exactly what it covers succeeds', async () => {
  const { dbs, config, close } = await sharedDatabase(2);
  try {
    const clock = new ManualClock('2026-11-26T10:00:00.000Z');
    const [payer, payee] = [uuidv7(), uuidv7()];
    for (const id of [payer, payee]) {
      await (dbs[0] as Db)('users').insert({ id, email: `${id}@test.otomoto.ma`, password_hash: 'x', display_name: 'Wallet user', role: 'buyer', created_at: clock.now(), updated_at: clock.now() });
    }
    const wallets = dbs.map((db) => ({ db, wallet: walletFor(db, config, clock) }));
    await withTx(dbs[0] as Db, (tx) => (wallets[0] as (typeof wallets)[0]).wallet.deposit(tx, payer, money(25_000, 'MAD')));
    const attempts = Array.from({ length: 100 }, (_, i) => wallets[i % 2] as (typeof wallets)[0]).map(({ db, wallet }) => withTx(db, (tx) => wallet.transfer(tx, payer, payee, money(500, 'MAD'))));
    const results = await Promise.allSettled(attempts);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
    expect(new Set(results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Problem ? r.reason.kind : String(r.reason)] : [])))).toEqual(new Set(['insufficient-funds']));
    expect((await (wallets[1] as (typeof wallets)[0]).wallet.balance(payer)).available.amount).toBe(0);
    expect((await reconcileLedger(dbs[1] as Db)).violations).toEqual([]);
  } finally {
    await close();
  }
});
