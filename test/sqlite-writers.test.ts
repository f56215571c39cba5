import { statSync } from 'node:fs';
import { createDb, sqliteConnectionOf, type Db } from '../src/db/knex';
import { withTx } from '../src/db/tx';
import { walCheckpointRound } from '../src/db/wal-checkpointer';
import { sharedDatabase } from './helpers/shared-database';

/**
 * SQLite shared by several processes (cluster workers): the write lock, and the write-ahead log
 * copied back by someone other than the writers. PostgreSQL has neither concern: skipped there.
 */
const sqliteOnly = process.env.DATABASE_URL ? describe.skip : describe;

sqliteOnly('several SQLite writers', () => {
  let shared: Awaited<ReturnType<typeof sharedDatabase<2>>>;
  beforeAll(async () => {
    shared = await sharedDatabase(2);
  });
  afterAll(async () => {
    await shared.close();
  });

  it('a transaction waits for another connection\'s write lock without stopping its process', async () => {
    const [first, second] = shared.dbs as [Db, Db];
    // Both connections open (opening runs pragmas that may write), as a worker's is before it serves.
    await Promise.all(shared.dbs.map((db) => db.raw('select 1')));
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let lockTaken: () => void = () => undefined;
    const taken = new Promise<void>((resolve) => (lockTaken = resolve));
    // The first connection holds the write lock across an await, as a request's transaction does.
    const holder = withTx(first, async (tx) => {
      await tx('knex_migrations_lock').update({ is_locked: 0 });
      lockTaken();
      await held;
    });
    await taken;
    const started = Date.now();
    const waiter = withTx(second, async (tx) => tx('knex_migrations_lock').update({ is_locked: 0 }));
    // Were the wait SQLite's busy handler, it would sleep on this very thread and the holder could
    // not finish: the waiter would fail after busy_timeout (5 s). Here the event loop goes on.
    let ticks = 0;
    const ticking = setInterval(() => (ticks += 1), 5);
    await new Promise((r) => setTimeout(r, 100));
    release();
    await Promise.all([holder, waiter]);
    clearInterval(ticking);
    expect(ticks).toBeGreaterThan(5);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('copies the log into the database file from another connection, and has it start over once it grew', async () => {
    const path = (shared.config.database as { sqlitePath: string }).sqlitePath;
    const writer: Db = createDb(shared.config.database, { walCheckpoints: 'elsewhere' });
    const checkpointer = createDb(shared.config.database);
    try {
      await writer.raw('CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB)');
      const fill = async (rows: number) => {
        for (let i = 0; i < rows; i += 1) await withTx(writer, (tx) => tx('filler').insert({ data: Buffer.alloc(3000, i % 251) }));
      };
      await fill(300);
      const connection = sqliteConnectionOf(checkpointer) ?? (await checkpointer.raw('select 1'), sqliteConnectionOf(checkpointer));
      // The writer's own commits copied nothing: all of it is still in the log.
      const first = walCheckpointRound(connection as never, 1_000_000);
      expect(first.logPages).toBeGreaterThanOrEqual(300);
      expect(first).toMatchObject({ copiedPages: first.logPages, restarted: false });
      // Past the threshold, the next round asks for a restart; the writer then reuses the log from its start.
      const restart = walCheckpointRound(connection as never, 100);
      expect(restart.restarted).toBe(true);
      const sizeBefore = statSync(`${path}-wal`).size;
      await fill(50);
      expect(statSync(`${path}-wal`).size).toBe(sizeBefore);
      expect(walCheckpointRound(connection as never, 1_000_000).logPages).toBeLessThan(first.logPages);
      expect(((await checkpointer('filler').count({ n: '*' })) as { n: number }[])[0]?.n).toBe(350);
    } finally {
      await writer.destroy();
      await checkpointer.destroy();
    }
  });
});
