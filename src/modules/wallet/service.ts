import { isoNow, type Clock } from '../../clock';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { afterCommit, withTx, type Tx } from '../../db/tx';
import { cursorField, decodeCursor, toPage, type Page } from '../../http/pagination';
import { Problem } from '../../http/problems';
import { add, money, type Money } from '../../money';
import type { ChainVerdict, Subject, TraceService } from '../trace/service';
import type { UserService } from '../users/service';
import { findWallet, lockAccounts, openAccount } from './accounts';
import { captureHold, heldInEscrow, placeHold, voidHold, type Capture } from './holds';
import { accountSnapshot, moveBetween, type LedgerContext, type MovementInput, type PostedTransaction } from './ledger';
import { reconcileWithLog, type Reconciliation } from './reconcile';
import { decideRequest, findRequest, requestRefund, requestsOf, type RefundRequestView } from './refund-requests';
import { refundMovement } from './refunds';
import { noProvider, ProviderUnavailable, sandboxProvider, type Destination, type PaymentProvider, type PayoutResult } from './payment-provider';
import { checkDestination, findWithdrawal, payoutDestination, pendingPayouts, requestWithdrawal, settleWithdrawal, type PayoutRequest, type WithdrawalView } from './withdrawals';
import { entryOf, ledgerTransaction, statementEntries, statementIds, type StatementEntry, type StatementFilter } from './statement';

export type { Capture, Hold } from './holds';
export type { PostedTransaction } from './ledger';
export { LedgerInvariantError } from './ledger';
export type { Reconciliation } from './reconcile';
export type { RefundRequestView } from './refund-requests';
export type { StatementEntry } from './statement';
export type { WithdrawalView } from './withdrawals';

/** A refund as an admin sees it: the movement it is, and the one it reverses. */
export interface RefundView {
  id: string;
  refundOf: string;
  amount: Money;
  reason: string;
  createdAt: string;
}

/** Whom a transfer goes to, as the client names them. */
export type Recipient = { userId: string } | { email: string };

/**
 * OtoPay (docs/wallet.md): users' wallets over a double-entry ledger. Every movement runs in the
 * caller's transaction (`Tx`), so an order can reserve stock and hold funds in one.
 */
const accountSubject = (id: string): Subject => ({ type: 'account', id });

/** A movement of `amount` from one account's available balance to another's. */
const moveAvailable = (tx: Tx, movement: Omit<MovementInput, 'postings'>, fromId: string, toId: string, context: LedgerContext): Promise<PostedTransaction> =>
  moveBetween(tx, movement, { accountId: fromId, bucket: 'available' }, { accountId: toId, bucket: 'available' }, context);

/** The trace service's parts the wallet uses: its movements are events of the same log as the listings'. */
export type WalletTrace = Pick<TraceService, 'appendMany' | 'verify' | 'chain' | 'proofOfLeaf' | 'loggedWithinSeconds' | 'statesNotRecorded' | 'auditLog'>;

export function createWalletService(db: Db, config: Config, clock: Clock, users: UserService, trace: WalletTrace, provider: PaymentProvider = config.wallet.paymentProvider === 'sandbox' ? sandboxProvider() : noProvider) {
  const { currency } = config;
  /** The time of a movement, and the log its events go to. */
  const ledger = (): LedgerContext => ({ now: isoNow(clock), record: trace.appendMany });
  const { depositMax, depositDailyMax } = config.wallet;
  const DAY_MS = 24 * 60 * 60 * 1000;

  /** One payout asked for and its answer settled; false when the provider did not answer (the withdrawal stays pending). */
  async function askForPayout(request: PayoutRequest): Promise<boolean> {
    let result: PayoutResult;
    try {
      result = await provider.payout(request);
    } catch (err) {
      if (err instanceof ProviderUnavailable) return false;
      throw err;
    }
    await withTx(db, (tx) => settleWithdrawal(tx, request.reference, result, ledger()));
    return true;
  }

  /** What the wallet took in by deposits since `since` (its lock held, so no deposit races the sum). */
  async function depositedSince(tx: Tx, accountId: string, since: string): Promise<number> {
    const row = (await tx('ledger_postings as p')
      .join('ledger_transactions as t', 't.id', 'p.transaction_id')
      .where({ 'p.account_id': accountId, 't.kind': 'deposit' })
      .where('t.created_at', '>=', since)
      .sum({ total: 'p.amount' })
      .first()) as { total: number | string | null } | undefined;
    return Number(row?.total ?? 0);
  }

  /** A buyer or seller: who may have a wallet. */
  async function requireHolder(userId: string): Promise<void> {
    const account = await users.findAccount(db, userId);
    if (!account || account.role === 'admin') throw new Problem('not-found', 'No buyer or seller has this id.');
  }

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

    /**
     * A top-up through the payment provider: within the limits (one deposit, and the last 24
     * hours, summed under the wallet's lock), charged, then credited in the same transaction.
     * `chargeReference` is the provider's idempotency key (the client's Idempotency-Key).
     */
    async topUp(tx: Tx, userId: string, amount: Money, chargeReference: string): Promise<StatementEntry> {
      const value = checkAmount(amount);
      if (value.amount > depositMax) throw new Problem('limit-exceeded', `One deposit is at most ${depositMax} minor units of ${currency}.`);
      const now = isoNow(clock);
      const wallet = await openAccount(tx, 'wallet', currency, now, userId);
      await lockAccounts(tx, [wallet.id]);
      const recent = await depositedSince(tx, wallet.id, new Date(clock.now().getTime() - DAY_MS).toISOString());
      if (recent + value.amount > depositDailyMax) {
        throw new Problem('limit-exceeded', `Deposits over 24 hours are at most ${depositDailyMax} minor units of ${currency}; ${recent} came in already.`);
      }
      let charge;
      try {
        charge = await provider.charge({ reference: chargeReference, amount: value });
      } catch (err) {
        if (err instanceof ProviderUnavailable) throw new Problem('payment-provider-unavailable', err.message, { headers: { 'Retry-After': '30' } });
        throw err;
      }
      if (charge.status === 'declined') throw new Problem('payment-declined', charge.reason);
      return entryOf(await this.deposit(tx, userId, value, charge.providerReference), wallet.id);
    },

    /** Money in from outside, settled (by a provider's `reference`): funding → the wallet. */
    async deposit(tx: Tx, userId: string, amount: Money, reference: string | null = null): Promise<PostedTransaction> {
      const value = checkAmount(amount);
      const context = ledger();
      const { now } = context;
      const funding = await openAccount(tx, 'funding', currency, now);
      const wallet = await openAccount(tx, 'wallet', currency, now, userId);
      return moveAvailable(tx, { kind: 'deposit', amount: value, initiatorId: userId, reference }, funding.id, wallet.id, context);
    },

    async transfer(tx: Tx, fromUserId: string, toUserId: string, amount: Money, memo?: string): Promise<PostedTransaction> {
      const value = checkAmount(amount);
      if (fromUserId === toUserId) throw new Problem('transfer-to-self', 'A transfer goes to another user.');
      const context = ledger();
      const { now } = context;
      const from = await openAccount(tx, 'wallet', currency, now, fromUserId);
      const to = await openAccount(tx, 'wallet', currency, now, toUserId);
      return moveAvailable(tx, { kind: 'transfer', amount: value, initiatorId: fromUserId, memo: memo ?? null }, from.id, to.id, context);
    },

    /**
     * A transfer as a client asks for it: to an active buyer or seller named by id or email (an
     * admin or a suspended account has no wallet to receive it), seen from the sender's wallet.
     */
    async send(tx: Tx, senderId: string, recipient: Recipient, amount: Money, memo?: string): Promise<StatementEntry> {
      const account = 'userId' in recipient ? await users.findAccount(tx, recipient.userId) : await users.findAccountByEmail(tx, recipient.email);
      if (account?.id === senderId) throw new Problem('transfer-to-self', 'A transfer goes to another user.');
      if (!account || account.status !== 'active' || account.role === 'admin') throw new Problem('unknown-recipient', 'No buyer or seller account has this id or email.');
      const posted = await this.transfer(tx, senderId, account.id, amount, memo);
      const sender = [...posted.accounts.values()].find((a) => a.userId === senderId) as { id: string };
      return entryOf(posted, sender.id);
    },

    /** The user's movements, newest first; none for a wallet never opened. */
    async statement(userId: string, filter: Omit<StatementFilter, 'before'> & { cursor?: string }): Promise<Page<StatementEntry>> {
      const after = decodeCursor(filter.cursor, { id: cursorField.id });
      const wallet = await findWallet(db, userId, currency);
      if (!wallet) return { data: [], nextCursor: null };
      const ids = await statementIds(db, wallet.id, { ...filter, before: after ? String(after.id) : undefined });
      return toPage(await statementEntries(db, wallet.id, ids), filter.limit, (entry) => ({ id: entry.id }), (entry) => entry);
    },

    /** One movement of the user's wallet; anyone else's is not found. */
    async movement(userId: string, transactionId: string): Promise<StatementEntry> {
      const wallet = await findWallet(db, userId, currency);
      const [entry] = wallet ? await statementEntries(db, wallet.id, [transactionId]) : [];
      if (!entry) throw new Problem('not-found', 'No movement of your wallet has this id.');
      return entry;
    },

    /** An admin's refund of a movement (docs/wallet.md, Refunds). */
    async refund(tx: Tx, adminId: string, transactionId: string, input: { amount?: Money; reason: string }): Promise<RefundView> {
      const posted = await refundMovement(tx, transactionId, { amount: input.amount, reason: input.reason, initiatorId: adminId }, ledger());
      return { id: posted.id, refundOf: transactionId, amount: posted.amount, reason: input.reason, createdAt: posted.createdAt };
    },

    requestRefund: (tx: Tx, userId: string, transactionId: string, reason: string): Promise<RefundRequestView> => requestRefund(tx, userId, transactionId, reason, isoNow(clock)),
    refundRequests: (userId: string, limit: number, cursor?: string): Promise<Page<RefundRequestView>> => requestsOf(db, userId, limit, cursor),
    refundRequest: (userId: string, id: string): Promise<RefundRequestView> => findRequest(db, id, userId),
    decideRefundRequest: (tx: Tx, adminId: string, id: string, decision: 'approve' | 'reject', note: string | null): Promise<RefundRequestView> => decideRequest(tx, adminId, id, decision, note, ledger()),

    /**
     * Money out to a bank account: held now, paid or returned when the payout provider answers
     * (asked as soon as the request commits; the sandbox answers at once). A provider that does
     * not answer leaves the withdrawal pending, its funds held, for its answer to settle later.
     */
    async withdraw(tx: Tx, userId: string, amount: Money, destination: Destination): Promise<WithdrawalView> {
      const value = checkAmount(amount);
      const account = checkDestination(destination);
      const view = await requestWithdrawal(tx, userId, value, account, ledger());
      afterCommit(tx, async () => {
        await askForPayout({ reference: view.id, amount: value, destination: payoutDestination(account.type, account.value) });
      });
      return view;
    },

    /**
     * Asks the provider again for the payouts of withdrawals still pending `olderThanMs` after
     * their request (the server stopped before asking, or the provider did not answer): the
     * withdrawal's id is the provider's idempotency reference, so a payout asked for twice (by two
     * instances, or after an answer was lost) is paid once, and settling is once anyway.
     */
    async retryPayouts(olderThanMs: number, limit = 100): Promise<{ asked: number; settled: number; more: boolean }> {
      const due = await pendingPayouts(db, new Date(clock.now().getTime() - olderThanMs).toISOString(), limit);
      let settled = 0;
      for (const request of due) if (await askForPayout(request)) settled += 1;
      // A full batch that settled some: more may be due now. One that settled none: the provider is away.
      return { asked: due.length, settled, more: due.length === limit && settled > 0 };
    },

    /** A payout provider's answer for a withdrawal (idempotent: a settled one stays as it is). */
    settleWithdrawal: (id: string, result: PayoutResult): Promise<WithdrawalView> => withTx(db, (tx) => settleWithdrawal(tx, id, result, ledger())),

    withdrawal: (userId: string, id: string): Promise<WithdrawalView> => findWithdrawal(db, userId, id),

    /** For admins: a user's wallet, as they see it; 404 for no buyer or seller. */
    async balanceOf(userId: string): Promise<{ available: Money; held: Money }> {
      await requireHolder(userId);
      return this.balance(userId);
    },

    /** For admins: a user's statement, as they see it. */
    async statementOf(userId: string, filter: Omit<StatementFilter, 'before'> & { cursor?: string }): Promise<Page<StatementEntry>> {
      await requireHolder(userId);
      return this.statement(userId, filter);
    },

    /** For admins: any movement with every posting. */
    ledgerTransaction: (transactionId: string) => ledgerTransaction(db, transactionId),

    /** The user's wallet chain in the trace log checked, and the stored balances against its last state. */
    async verify(userId: string): Promise<ChainVerdict> {
      const wallet = await findWallet(db, userId, currency);
      if (!wallet) return { valid: true, checkedEvents: 0, firstInvalid: null };
      return trace.verify(accountSubject(wallet.id), accountSnapshot(wallet));
    },

    /** A movement of the user's wallet, proven: its event in the wallet's chain, included in a signed checkpoint. */
    async proof(userId: string, transactionId: string) {
      const wallet = await findWallet(db, userId, currency);
      if (!wallet || (await statementEntries(db, wallet.id, [transactionId])).length === 0) throw new Problem('not-found', 'No movement of your wallet has this id.');
      const event = (await trace.chain(accountSubject(wallet.id))).find((e) => (e.payload as { transaction?: { id?: string } }).transaction?.id === transactionId);
      // A capture that paid all of a hold to the seller posted nothing to the buyer's wallet: its
      // events are the escrow's and the seller's chains', not this one's.
      if (!event) throw new Problem('not-found', "This movement changed no balance of your wallet: it has no event in your wallet's chain.");
      const proof = await trace.proofOfLeaf(event.logIndex);
      if (!proof) {
        const seconds = trace.loggedWithinSeconds();
        throw new Problem('not-yet-logged', `The movement is not yet in a signed checkpoint; retry in ${seconds} seconds.`, { headers: { 'Retry-After': String(seconds) } });
      }
      const { subject, ...rest } = event;
      const { checkpoint, inclusionProof, key } = proof;
      return {
        event: { ledgerAccountId: subject.id, ...rest, logIndex: event.logIndex as number },
        checkpoint: { origin: checkpoint.origin, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, note: checkpoint.note },
        inclusionProof,
        key: { name: key.name, keyId: key.keyId, verifierKey: key.verifierKey },
      };
    },

    /** The whole ledger against its rules (docs/wallet.md); `progress` after each check. */
    reconcile: (progress?: (done: number, total: number, name: string) => void): Promise<Reconciliation> => reconcileWithLog(db, trace, progress),

    hold: (tx: Tx, userId: string, amount: Money, reference: string) => placeHold(tx, userId, checkAmount(amount), reference, ledger()),
    capture: (tx: Tx, holdId: string, capture: Capture) => captureHold(tx, holdId, capture, ledger()),
    void: (tx: Tx, holdId: string) => voidHold(tx, holdId, ledger()),
  };
}

export type WalletService = ReturnType<typeof createWalletService>;
