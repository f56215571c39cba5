import type { Knex } from 'knex';
import * as accounts from '../../migrations/20261124000100_accounts';
import * as sellers from '../../migrations/20261124000200_sellers';
import * as parts from '../../migrations/20261124000300_parts';
import * as fitmentWalk from '../../migrations/20261125000100_fitment_walk';
import * as authHardening from '../../migrations/20261126000100_auth_hardening';
import * as listingSellerSummary from '../../migrations/20261127000100_listing_seller_summary';
import * as idempotencyKeys from '../../migrations/20261127000200_idempotency_keys';
import * as sellerAccountActive from '../../migrations/20261127000300_seller_account_active';
import * as fitmentWalkSqlite from '../../migrations/20261128000100_fitment_walk_sqlite';
import * as facetCoverSqlite from '../../migrations/20261128000200_facet_cover_sqlite';
import * as facetCoverPostgres from '../../migrations/20261128000300_facet_cover_postgres';
import * as traceability from '../../migrations/20261129000100_traceability';
import * as ledger from '../../migrations/20261130000100_ledger';
import * as withdrawalPayoutAccount from '../../migrations/20261201000100_withdrawal_payout_account';
import * as orders from '../../migrations/20261202000100_orders';
import * as sellerRatings from '../../migrations/20261202000200_seller_ratings';
import type { Db } from './knex';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are imported statically so they run the same under tsx, jest and a
 * compiled build, without knex scanning the file system for .ts files.
 */
const migrations: Record<string, Migration> = {
  '20261124000100_accounts': accounts,
  '20261124000200_sellers': sellers,
  '20261124000300_parts': parts,
  '20261125000100_fitment_walk': fitmentWalk,
  '20261126000100_auth_hardening': authHardening,
  '20261127000100_listing_seller_summary': listingSellerSummary,
  '20261127000200_idempotency_keys': idempotencyKeys,
  '20261127000300_seller_account_active': sellerAccountActive,
  '20261128000100_fitment_walk_sqlite': fitmentWalkSqlite,
  '20261128000200_facet_cover_sqlite': facetCoverSqlite,
  '20261128000300_facet_cover_postgres': facetCoverPostgres,
  '20261129000100_traceability': traceability,
  '20261130000100_ledger': ledger,
  '20261201000100_withdrawal_payout_account': withdrawalPayoutAccount,
  '20261202000100_orders': orders,
  '20261202000200_seller_ratings': sellerRatings,
};

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name] as Migration,
};

function migratorConfig(db: Db): Knex.MigratorConfig {
  const schema = (db.client.config as { searchPath?: string[] }).searchPath?.[0];
  return { migrationSource: source, schemaName: schema };
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migratorConfig(db))) as [number, string[]];
  return applied;
}

/** Names of migrations not yet applied; empty when the schema is current. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const [, pending] = (await db.migrate.list(migratorConfig(db))) as [unknown[], { file?: string; name?: string }[] | string[]];
  return pending.map((p) => (typeof p === 'string' ? p : (p.file ?? p.name ?? '')));
}
