import { isoNow, type Clock } from '../../clock';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import type { Tx } from '../../db/tx';
import { Problem } from '../../http/problems';
import { add, money, type Money } from '../../money';
import { findWallet, openAccount } from './accounts';
import { captureHold, heldInEscrow, placeHold, voidHold, type Capture } from './holds';
import { postMovement, type PostedTransaction } from './ledger';

export type { Capture, Hold } from './holds';
export type { PostedTransaction } from './ledger';
export { LedgerInvariantError } from './ledger';

/**
 * OtoPay (docs/wallet.md): users' wallets over a double-entry ledger. Every movement runs in the
 * caller's transaction (`Tx`), so an order can reserve stock and hold funds in one.
 *
 * Built so far: the ledger (postings, balances, append-only), deposits, transfers and escrow
 * holds. Not yet: the HTTP API, payment providers, withdrawals, refunds, idempotency keys, the
 * trace log entries, reconciliation.
 */
export function createWalletService(db: Db, config: Config, clock: Clock) {
  const { currency } = config;

  /** An amount a user may move: the marketplace's currency, above zero, at most the configured maximum. */
  function checkAmount(amount: Money): Money {
    if (amount.currency !== currency) throw new Problem('validation-error', `OtoPay moves ${currency} only, not ${amount.currency}.`, { errors: [{ path: '/amount/currency', message: `must be ${currency}` }] });
    if (!Number.isSafeInteger(amount.amount) || amount.amount <= 0) throw new Problem('validation-error', 'An amount is a positive integer of minor units.', { errors: [{ path: '/amount/amount', message: 'must be above zero' }] });
    return money(amount.amount, amount.currency);
  }

  return {
    currency,

    /** What the user can spend, and what is theirs but not spendable (in escrow, or leaving). */
    async balance(userId: string): Promise<{ available: Money; held: Money }> {
      const wallet = await findWallet(db, userId, currency);
      if (!wallet) return { available: money(0, currency), held: money(0, currency) };
      return { available: money(wallet.available, currency), held: add(money(wallet.held, currency), await heldInEscrow(db, wallet.id, currency)) };
    },

    /** Money in from outside (a settled payment): funding → the wallet. */
    async deposit(tx: Tx, userId: string, amount: Money): Promise<PostedTransaction> {
      const value = checkAmount(amount);
      const now = isoNow(clock);
      const funding = await openAccount(tx, 'funding', currency, now);
      const wallet = await openAccount(tx, 'wallet', currency, now, userId);
      return postMovement(
        tx,
        {
          kind: 'deposit',
          amount: value,
          initiatorId: userId,
          postings: [
            { accountId: funding.id, bucket: 'available', amount: -value.amount },
            { accountId: wallet.id, bucket: 'available', amount: value.amount },
          ],
        },
        now,
      );
    },

    async transfer(tx: Tx, fromUserId: string, toUserId: string, amount: Money, memo?: string): Promise<PostedTransaction> {
      const value = checkAmount(amount);
      if (fromUserId === toUserId) throw new Problem('validation-error', 'A transfer goes to another user.', { errors: [{ path: '/recipient', message: 'must not be yourself' }] });
      const now = isoNow(clock);
      const from = await openAccount(tx, 'wallet', currency, now, fromUserId);
      const to = await openAccount(tx, 'wallet', currency, now, toUserId);
      return postMovement(
        tx,
        {
          kind: 'transfer',
          amount: value,
          initiatorId: fromUserId,
          memo: memo ?? null,
          postings: [
            { accountId: from.id, bucket: 'available', amount: -value.amount },
            { accountId: to.id, bucket: 'available', amount: value.amount },
          ],
        },
        now,
      );
    },

    hold: (tx: Tx, userId: string, amount: Money, reference: string) => placeHold(tx, userId, checkAmount(amount), reference, isoNow(clock)),
    capture: (tx: Tx, holdId: string, capture: Capture) => captureHold(tx, holdId, capture, isoNow(clock)),
    void: (tx: Tx, holdId: string) => voidHold(tx, holdId, isoNow(clock)),
  };
}

export type WalletService = ReturnType<typeof createWalletService>;
