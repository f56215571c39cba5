import { ConfigError, loadConfig, type Config } from '../config';
import { createDb, type Db } from '../db/knex';
import { migrateLatest } from '../db/migrations';

/** Runs a command-line task against the configured, migrated database, then closes it. */
export async function runWithDatabase(task: (db: Db, config: Config) => Promise<void>): Promise<void> {
  let db: Db | undefined;
  try {
    const config = loadConfig();
    db = createDb(config.database);
    await migrateLatest(db);
    await task(db, config);
  } catch (err) {
    console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
    process.exitCode = 1;
  } finally {
    await db?.destroy();
  }
}

/** `--name value` pairs from argv. */
export function flag(name: string, argv = process.argv.slice(2)): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
