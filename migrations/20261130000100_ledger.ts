import type { Knex } from 'knex';

/**
 * OtoPay's double-entry ledger (docs/wallet.md).
 *
 * - `ledger_accounts`: a wallet per user and currency, and the platform's accounts (funding:
 *   money in from outside; payouts: money out; escrow: funds held for orders; fees: the
 *   commission). Each keeps two balances, `available` and `held`, always the sum of its postings
 *   in each, and a `version` bumped by every movement. No wallet, escrow, payout or fee balance
 *   can go below zero (CHECK); funding is the one account that does, by what came in.
 * - `ledger_transactions`: one movement each, whose postings sum to zero.
 * - `ledger_postings`: signed amounts in minor units on one account's bucket. Neither postings nor
 *   transactions are ever updated or deleted: triggers refuse it on both databases.
 * - `ledger_holds`: funds taken from a wallet into escrow for an opaque reference, resolved at
 *   most once (captured or voided).
 * - `ledger_withdrawals`: money leaving a wallet for a bank account: held in the wallet until the
 *   payout provider says it is paid (to the payouts account) or failed (back to available). Only a
 *   masked account number is kept.
 * - `refund_requests`: a user's request to have a movement refunded, decided once by an admin; an
 *   approval points at the one refund it made.
 */
const BUCKETS = ['available', 'held'];

export async function up(knex: Knex): Promise<void> {
  const tz = { useTz: true, precision: 3 };
  const postgres = knex.client.config.client === 'pg';

  await knex.schema.createTable('ledger_accounts', (t) => {
    t.uuid('id').primary();
    t.string('kind', 16).notNullable();
    t.uuid('user_id').references('users.id');
    t.string('currency', 3).notNullable();
    t.bigInteger('available').notNullable().defaultTo(0);
    t.bigInteger('held').notNullable().defaultTo(0);
    t.bigInteger('version').notNullable().defaultTo(0);
    t.timestamp('created_at', tz).notNullable();
    t.unique(['user_id', 'currency'], { indexName: 'ledger_accounts_wallet_unique' });
    t.check("kind IN ('wallet', 'funding', 'payouts', 'escrow', 'fees')", [], 'ledger_accounts_kind');
    t.check("(kind = 'wallet') = (user_id IS NOT NULL)", [], 'ledger_accounts_owner');
    t.check("kind = 'funding' OR (available >= 0 AND held >= 0)", [], 'ledger_accounts_not_negative');
  });
  // One platform account of each kind per currency (a wallet's uniqueness is its user's).
  await knex.raw('CREATE UNIQUE INDEX ledger_accounts_platform_unique ON ledger_accounts (kind, currency) WHERE user_id IS NULL');

  await knex.schema.createTable('ledger_transactions', (t) => {
    t.uuid('id').primary();
    t.string('kind', 24).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('amount').notNullable();
    t.uuid('initiator_id').references('users.id');
    t.string('reference', 100);
    t.uuid('refund_of').references('ledger_transactions.id');
    t.string('memo', 280);
    t.timestamp('created_at', tz).notNullable();
    t.check('amount > 0', [], 'ledger_transactions_amount');
    t.index(['refund_of'], 'ledger_transactions_refund_of_idx');
  });

  // A provider's charge is credited once, whatever retries or races bring it back.
  await knex.raw("CREATE UNIQUE INDEX ledger_transactions_deposit_unique ON ledger_transactions (reference) WHERE kind = 'deposit' AND reference IS NOT NULL");

  await knex.schema.createTable('ledger_postings', (t) => {
    t.uuid('id').primary();
    t.uuid('transaction_id').notNullable().references('ledger_transactions.id');
    t.uuid('account_id').notNullable().references('ledger_accounts.id');
    t.string('bucket', 9).notNullable();
    t.bigInteger('amount').notNullable();
    t.string('currency', 3).notNullable();
    t.check('amount <> 0', [], 'ledger_postings_amount');
    t.check(`bucket IN (${BUCKETS.map((b) => `'${b}'`).join(', ')})`, [], 'ledger_postings_bucket');
    // An account's statement, newest first (transaction ids are UUIDv7: time-ordered).
    t.index(['account_id', 'transaction_id'], 'ledger_postings_account_idx');
    t.index(['transaction_id'], 'ledger_postings_transaction_idx');
  });

  await knex.schema.createTable('ledger_holds', (t) => {
    t.uuid('id').primary();
    t.uuid('account_id').notNullable().references('ledger_accounts.id');
    t.uuid('transaction_id').notNullable().references('ledger_transactions.id');
    t.string('reference', 100).notNullable();
    t.bigInteger('amount').notNullable();
    t.string('currency', 3).notNullable();
    t.string('status', 9).notNullable();
    t.uuid('resolved_by').references('ledger_transactions.id');
    t.timestamp('created_at', tz).notNullable();
    t.timestamp('resolved_at', tz);
    t.check('amount > 0', [], 'ledger_holds_amount');
    t.check("status IN ('open', 'captured', 'voided')", [], 'ledger_holds_status');
    t.check("(status = 'open') = (resolved_by IS NULL)", [], 'ledger_holds_resolution');
    t.index(['account_id', 'status'], 'ledger_holds_account_idx');
  });

  await knex.schema.createTable('ledger_withdrawals', (t) => {
    t.uuid('id').primary();
    t.uuid('account_id').notNullable().references('ledger_accounts.id');
    t.uuid('transaction_id').notNullable().references('ledger_transactions.id');
    t.bigInteger('amount').notNullable();
    t.string('currency', 3).notNullable();
    t.string('destination_type', 4).notNullable();
    t.string('destination_masked', 40).notNullable();
    t.string('status', 7).notNullable();
    t.uuid('settled_by').references('ledger_transactions.id');
    t.string('failure_reason', 200);
    t.timestamp('created_at', tz).notNullable();
    t.timestamp('settled_at', tz);
    t.check('amount > 0', [], 'ledger_withdrawals_amount');
    t.check("destination_type IN ('rib', 'iban')", [], 'ledger_withdrawals_destination');
    t.check("status IN ('pending', 'paid', 'failed')", [], 'ledger_withdrawals_status');
    t.check("(status = 'pending') = (settled_by IS NULL)", [], 'ledger_withdrawals_settlement');
    t.index(['account_id', 'id'], 'ledger_withdrawals_account_idx');
    t.index(['status', 'id'], 'ledger_withdrawals_status_idx');
  });

  await knex.schema.createTable('refund_requests', (t) => {
    t.uuid('id').primary();
    t.uuid('transaction_id').notNullable().references('ledger_transactions.id');
    t.uuid('requester_id').notNullable().references('users.id');
    t.string('reason', 500).notNullable();
    t.string('status', 9).notNullable();
    t.uuid('refund_id').references('ledger_transactions.id');
    t.uuid('decided_by').references('users.id');
    t.string('decision_note', 500);
    t.timestamp('created_at', tz).notNullable();
    t.timestamp('decided_at', tz);
    t.check("status IN ('pending', 'approved', 'rejected')", [], 'refund_requests_status');
    t.check("(status = 'approved') = (refund_id IS NOT NULL)", [], 'refund_requests_refund');
    t.index(['requester_id', 'id'], 'refund_requests_requester_idx');
    t.index(['status', 'id'], 'refund_requests_status_idx');
  });
  // One pending request per movement: a second would only be a duplicate to decide.
  await knex.raw("CREATE UNIQUE INDEX refund_requests_pending_unique ON refund_requests (transaction_id) WHERE status = 'pending'");

  // The ledger is append-only: no path in the application changes a posting or a transaction, and
  // the database refuses it from any other path too.
  if (postgres) {
    await knex.raw(`CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % rows are never updated, deleted or truncated', TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END $$`);
  }
  for (const table of ['ledger_postings', 'ledger_transactions']) {
    if (postgres) {
      await knex.raw(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`);
      await knex.raw(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()`);
    } else {
      for (const action of ['UPDATE', 'DELETE']) {
        await knex.raw(`CREATE TRIGGER ${table}_no_${action.toLowerCase()} BEFORE ${action} ON ${table} BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: ${table} rows are never updated or deleted'); END`);
      }
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('refund_requests');
  await knex.schema.dropTable('ledger_withdrawals');
  await knex.schema.dropTable('ledger_holds');
  await knex.schema.dropTable('ledger_postings');
  await knex.schema.dropTable('ledger_transactions');
  await knex.schema.dropTable('ledger_accounts');
  if (knex.client.config.client === 'pg') await knex.raw('DROP FUNCTION IF EXISTS ledger_append_only()');
}
