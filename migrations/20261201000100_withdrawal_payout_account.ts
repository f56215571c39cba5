import type { Knex } from 'knex';

/**
 * A pending withdrawal keeps the full bank account it is to be paid to, so that a payout the
 * server could not ask for (it stopped between the request's commit and the provider's call, or
 * the provider did not answer) can be asked for again later. The account is erased as the
 * withdrawal settles: from then on only the masked one is kept, as before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ledger_withdrawals', (t) => {
    t.string('payout_account', 34);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ledger_withdrawals', (t) => {
    t.dropColumn('payout_account');
  });
}
