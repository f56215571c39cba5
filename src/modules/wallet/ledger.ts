import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../../db/tx';
import { Problem } from '../../http/problems';
import type { Money } from '../../money';
import type { NewEvent } from '../trace/service';
import { lockAccounts, type Account, type Bucket } from './accounts';

/**
 * Posting a movement: one ledger transaction of two or more postings that sum to zero, the
 * balances of every account it touches moved with it, in the caller's transaction. The only
 * writer of postings and balances; nothing ever updates or deletes a posting.
 */

export type TransactionKind = 'deposit' | 'withdrawal' | 'payout' | 'payout_failed' | 'transfer' | 'hold' | 'capture' | 'void' | 'refund';

export interface PostingInput {
  accountId: string;
  bucket: Bucket;
  /** Signed, in the transaction's currency's minor units: negative takes from the account. */
  amount: number;
}

export interface MovementInput {
  kind: TransactionKind;
  /** What the movement is worth (positive): the amount the user asked to move. */
  amount: Money;
  postings: readonly PostingInput[];
  initiatorId?: string | null;
  reference?: string | null;
  refundOf?: string | null;
  memo?: string | null;
}

export interface PostedTransaction {
  id: string;
  kind: TransactionKind;
  amount: Money;
  createdAt: string;
  memo: string | null;
  postings: readonly PostingInput[];
  /** Every touched account after the movement. */
  accounts: Map<string, Account>;
  /**
   * The movement's events in the trace log, one per touched account, by hash: what another
   * history (a listing's `part.sold`) cites to commit to this movement.
   */
  events: { ledgerAccountId: string; hash: string }[];
}

/** Appends events to the traceability log in the caller's transaction (the trace service's `appendMany`). */
export type Recorder = (tx: Tx, events: readonly NewEvent[]) => Promise<readonly { subject: { id: string }; hash: string }[]>;

/** What every movement is posted with: its time, and where its events go. */
export interface LedgerContext {
  now: string;
  record: Recorder;
}

/** What an account's events record as its state, and what its verification compares with the row. */
export const accountSnapshot = (account: Account) => ({
  id: account.id,
  kind: account.kind,
  userId: account.userId,
  currency: account.currency,
  available: account.available,
  held: account.held,
  version: account.version,
});

/** A movement this code built wrong: a bug, never the user's doing. */
export class LedgerInvariantError extends Error {
  override readonly name = 'LedgerInvariantError';
}

function checkBalanced(input: MovementInput): void {
  if (input.postings.length < 2) throw new LedgerInvariantError('a movement has at least two postings');
  let total = 0n;
  for (const posting of input.postings) {
    if (!Number.isSafeInteger(posting.amount) || posting.amount === 0) throw new LedgerInvariantError(`a posting is a non-zero integer of minor units, not ${posting.amount}`);
    total += BigInt(posting.amount);
  }
  if (total !== 0n) throw new LedgerInvariantError(`the postings of a ${input.kind} sum to ${total}, not zero`);
  if (!Number.isSafeInteger(input.amount.amount) || input.amount.amount <= 0) throw new LedgerInvariantError('a movement is worth a positive amount');
}

/** Only funding (money from outside) goes below zero; for a wallet that is the user's shortfall. */
function checkCovered(account: Account, was: Account): void {
  if (account.kind === 'funding' || (account.available >= 0 && account.held >= 0)) return;
  if (account.kind === 'wallet') {
    throw new Problem('insufficient-funds', `The wallet has ${was.available} (minor units of ${account.currency}) available; this movement needs ${was.available - account.available}.`);
  }
  throw new LedgerInvariantError(`the ${account.kind} account ${account.id} would go below zero`);
}

/**
 * One posting per account and bucket: what a movement does to each balance, summed (a capture
 * paying the buyer's own hold back to them nets out), zeros left out. A statement then reads at
 * most two postings of an account per movement.
 */
function merged(postings: readonly PostingInput[]): PostingInput[] {
  const byKey = new Map<string, PostingInput>();
  for (const p of postings) {
    const key = `${p.accountId}/${p.bucket}`;
    const existing = byKey.get(key);
    byKey.set(key, existing ? { ...existing, amount: existing.amount + p.amount } : { ...p });
  }
  return [...byKey.values()].filter((p) => p.amount !== 0);
}

/**
 * Each account a movement touched gets one event in its chain of the traceability log, in the
 * movement's transaction: the whole movement (every posting, so one account's chain shows where
 * its money went) and the account's balances after it. A balance edited behind the ledger then
 * no longer matches its chain, and a rewritten chain no longer matches the signed log.
 */
function movementEvents(id: string, input: MovementInput, accounts: Map<string, Account>): NewEvent[] {
  const transaction = {
    id,
    kind: input.kind,
    amount: { amount: input.amount.amount, currency: input.amount.currency },
    initiatorId: input.initiatorId ?? null,
    reference: input.reference ?? null,
    refundOf: input.refundOf ?? null,
    memo: input.memo ?? null,
    postings: input.postings.map((p) => ({ accountId: p.accountId, bucket: p.bucket, amount: p.amount })),
  };
  return [...accounts.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((account) => ({ subject: { type: 'account', id: account.id }, type: `ledger.${input.kind}`, actor: { type: 'system' }, payload: { transaction }, state: accountSnapshot(account) }));
}

export async function postMovement(tx: Tx, movement: MovementInput, { now, record }: LedgerContext): Promise<PostedTransaction> {
  const input = { ...movement, postings: merged(movement.postings) };
  checkBalanced(input);
  const { currency } = input.amount;
  const accounts = await lockAccounts(
    tx,
    input.postings.map((p) => p.accountId),
  );
  const before = new Map([...accounts].map(([id, account]) => [id, { ...account }]));
  for (const posting of input.postings) {
    const account = accounts.get(posting.accountId);
    if (!account) throw new LedgerInvariantError(`no account ${posting.accountId}`);
    if (account.currency !== currency) throw new LedgerInvariantError(`a ${currency} movement cannot post to a ${account.currency} account`);
    account[posting.bucket] += posting.amount;
  }
  for (const account of accounts.values()) {
    const was = before.get(account.id) as Account;
    if (account.available < was.available || account.held < was.held) checkCovered(account, was);
  }

  const id = uuidv7();
  await tx('ledger_transactions').insert({
    id,
    kind: input.kind,
    currency,
    amount: input.amount.amount,
    initiator_id: input.initiatorId ?? null,
    reference: input.reference ?? null,
    refund_of: input.refundOf ?? null,
    memo: input.memo ?? null,
    created_at: now,
  });
  await tx('ledger_postings').insert(input.postings.map((p) => ({ id: uuidv7(), transaction_id: id, account_id: p.accountId, bucket: p.bucket, amount: p.amount, currency })));
  for (const account of accounts.values()) {
    account.version += 1;
    await tx('ledger_accounts').where({ id: account.id }).update({ available: account.available, held: account.held, version: account.version });
  }
  const events = (await record(tx, movementEvents(id, input, accounts))).map((e) => ({ ledgerAccountId: e.subject.id, hash: e.hash }));
  return { id, kind: input.kind, amount: input.amount, createdAt: now, memo: input.memo ?? null, postings: input.postings, accounts, events };
}

/** Where one side of a two-posting movement is: an account and its balance. */
export interface Side {
  accountId: string;
  bucket: Bucket;
}

/** The commonest movement: its whole amount from one account's balance to another's (or to another balance of the same account). */
export const moveBetween = (tx: Tx, movement: Omit<MovementInput, 'postings'>, from: Side, to: Side, context: LedgerContext): Promise<PostedTransaction> =>
  postMovement(
    tx,
    {
      ...movement,
      postings: [
        { ...from, amount: -movement.amount.amount },
        { ...to, amount: movement.amount.amount },
      ],
    },
    context,
  );
