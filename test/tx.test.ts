import { dbErrorKind } from '../src/db/errors';
import { isoNow, systemClock } from '../src/clock';
import { dialectOf } from '../src/db/knex';
import { afterCommit, lockRows, withTx } from '../src/db/tx';
import { toProblem } from '../src/http/error-handler';
import { createServices } from '../src/modules';
import { useTestContext } from './helpers/context';
import { loginAdmin, registerUser } from './helpers/factories';

const ctx = useTestContext();

/** A failure the database reports when it refuses a transaction for a conflict with another. */
const conflict = (): Error => Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' });

const displayNameOf = async (id: string): Promise<string> => ((await ctx.db('users').where({ id }).first()) as { display_name: string }).display_name;

describe('withTx', () => {
  it('commits what the work did when it resolves, and nothing when it throws', async () => {
    const user = await registerUser(ctx);
    await withTx(ctx.db, (tx) => tx('users').where({ id: user.id }).update({ display_name: 'Committed' }));
    await expect(
      withTx(ctx.db, async (tx) => {
        await tx('users').where({ id: user.id }).update({ display_name: 'Rolled back' });
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    expect(await displayNameOf(user.id)).toBe('Committed');
  });

  it('runs again a transaction the database refused for a conflict, from the start, and stops after its retries', async () => {
    const user = await registerUser(ctx);
    let attempts = 0;
    const result = await withTx(ctx.db, async (tx) => {
      attempts += 1;
      await tx('users').where({ id: user.id }).update({ display_name: `Attempt ${attempts}` });
      if (attempts < 3) throw conflict();
      return 'done';
    });
    expect({ result, attempts }).toEqual({ result: 'done', attempts: 3 });
    expect(await displayNameOf(user.id)).toBe('Attempt 3');

    let hopeless = 0;
    await expect(
      withTx(
        ctx.db,
        async () => {
          hopeless += 1;
          throw conflict();
        },
        { retries: 2 },
      ),
    ).rejects.toMatchObject({ code: '40001' });
    expect(hopeless).toBe(3);
  });

  it('never retries other failures', async () => {
    let attempts = 0;
    await expect(
      withTx(ctx.db, async () => {
        attempts += 1;
        throw Object.assign(new Error('duplicate'), { code: '23505' });
      }),
    ).rejects.toThrow('duplicate');
    expect(attempts).toBe(1);
  });

  it('runs afterCommit callbacks once the change is committed, never for a rollback or a refused attempt', async () => {
    const user = await registerUser(ctx);
    const seen: string[] = [];
    let attempts = 0;
    await withTx(ctx.db, async (tx) => {
      attempts += 1;
      afterCommit(tx, async () => {
        seen.push(`attempt ${attempts}: ${await displayNameOf(user.id)}`);
      });
      await tx('users').where({ id: user.id }).update({ display_name: 'After commit' });
      if (attempts === 1) throw conflict();
    });
    // Read from outside the transaction: the callback saw the committed change.
    expect(seen).toEqual(['attempt 2: After commit']);

    await expect(
      withTx(ctx.db, async (tx) => {
        afterCommit(tx, () => seen.push('rolled back'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(seen).toEqual(['attempt 2: After commit']);
  });
});

describe('lockRows', () => {
  it('returns the ids that exist, in id order', async () => {
    const users = await Promise.all([registerUser(ctx), registerUser(ctx), registerUser(ctx)]);
    const ids = users.map((u) => u.id);
    const unknown = '01a211ee-0000-7000-8000-000000000000';
    const locked = await withTx(ctx.db, (tx) => lockRows(tx, 'users', [ids[2] as string, unknown, ids[0] as string, ids[2] as string, ids[1] as string]));
    expect(locked).toEqual([...ids].sort());
  });

  it('makes transactions that lock the same rows, named in any order, wait for each other: no change is lost', async () => {
    const [a, b] = await Promise.all([registerUser(ctx), registerUser(ctx)]);
    const ids = [(a as { id: string }).id, (b as { id: string }).id];
    // Twenty transactions, half naming the rows one way round and half the other, each reading and
    // then writing both rows: without the locks, increments would be lost on PostgreSQL.
    const runs = Array.from({ length: 20 }, (_, i) =>
      withTx(ctx.db, async (tx) => {
        await lockRows(tx, 'users', i % 2 ? ids : [...ids].reverse());
        for (const id of ids) {
          const row = (await tx('users').where({ id }).first()) as { token_generation: number };
          await tx('users').where({ id }).update({ token_generation: row.token_generation + 1, updated_at: isoNow(systemClock) });
        }
        // No retries: a deadlock would fail the test rather than be absorbed by a second attempt.
      }, { retries: 0 }),
    );
    await Promise.all(runs);
    const rows = (await ctx.db('users').whereIn('id', ids).select('token_generation')) as { token_generation: number }[];
    // Read-then-write under the lock: no increment is lost.
    expect(rows.map((r) => Number(r.token_generation))).toEqual([20, 20]);
  });
});

describe('database errors', () => {
  async function failure(work: () => Promise<unknown>): Promise<unknown> {
    try {
      await work();
    } catch (err) {
      return err;
    }
    throw new Error('expected the database to refuse');
  }

  it('are classified alike on both drivers', async () => {
    const user = await registerUser(ctx);
    const row = (await ctx.db('users').where({ id: user.id }).first()) as Record<string, unknown>;
    const unique = await failure(() => ctx.db('users').insert({ ...row, id: '01a211ee-0000-7000-8000-0000000000aa' }));
    const foreignKey = await failure(() =>
      ctx.db('refresh_tokens').insert({
        id: '01a211ee-0000-7000-8000-0000000000ab',
        user_id: '01a211ee-0000-7000-8000-0000000000ac',
        family_id: '01a211ee-0000-7000-8000-0000000000ad',
        token_hash: 'x',
        generation: 0,
        expires_at: isoNow(systemClock),
        created_at: isoNow(systemClock),
      }),
    );
    const check = await failure(() => ctx.db('users').where({ id: user.id }).update({ role: 'wizard' }));
    const notNull = await failure(() => ctx.db('users').where({ id: user.id }).update({ email: null }));
    expect([unique, foreignKey, check, notNull].map(dbErrorKind)).toEqual(['unique', 'foreign-key', 'check', 'check']);
    if (dialectOf(ctx.db) === 'postgresql') {
      expect(dbErrorKind(await failure(() => ctx.db('users').where({ id: user.id }).update({ display_name: 'a\u0000b' })))).toBe('invalid-value');
    }
  });

  it('that reach the problem handler become problems without SQL, never a 500', async () => {
    const user = await registerUser(ctx);
    const row = (await ctx.db('users').where({ id: user.id }).first()) as Record<string, unknown>;
    const unique = await failure(() => ctx.db('users').insert({ ...row, id: '01a211ee-0000-7000-8000-0000000000ae' }));
    const problem = toProblem(unique);
    expect(problem).toMatchObject({ kind: 'conflict', status: 409 });
    expect(problem?.detail).not.toMatch(/insert|users|constraint/i);
    expect(toProblem(conflict())).toMatchObject({ kind: 'service-unavailable', status: 503, extra: { headers: { 'Retry-After': '1' } } });
  });
});

describe('hooks', () => {
  it('run inside the publisher\'s transaction: a subscriber that fails undoes the change', async () => {
    const services = createServices(ctx.db, ctx.config);
    const [admin, user] = [await loginAdmin(ctx), await registerUser(ctx)];
    services.users.hooks.on('accountStatusChanged', async (tx, { userId }) => {
      // Written by the subscriber, in the same transaction: gone with it.
      await tx('users').where({ id: userId }).update({ display_name: 'Touched by a subscriber' });
      throw new Error('the subscriber failed');
    });
    await expect(services.users.suspend(admin.id, user.id, 'Testing hooks')).rejects.toThrow('the subscriber failed');
    const row = (await ctx.db('users').where({ id: user.id }).first()) as { status: string; display_name: string };
    expect(row).toMatchObject({ status: 'active', display_name: 'Test User' });
  });
});

describe('integers from the database', () => {
  it('are read exactly up to 2^53 - 1, and refused beyond instead of rounded', async () => {
    const pg = dialectOf(ctx.db) === 'postgresql';
    const read = async (sql: string): Promise<unknown> => {
      const result = (await ctx.db.raw(sql)) as { rows: object[] } | object[];
      return Object.values((Array.isArray(result) ? result : result.rows)[0] as object)[0];
    };
    expect(await read(pg ? 'SELECT 9007199254740991::int8 AS n' : 'SELECT 9007199254740991 AS n')).toBe(9007199254740991);
    // SQLite's driver gives beyond 2^53 a rounded number: the ledger will sum through a checked
    // path there (better-sqlite3's safeIntegers), not through this one.
    if (pg) {
      // What SUM over a bigint column gives: numeric.
      expect(await read('SELECT SUM(x) AS n FROM (VALUES (4503599627370496::int8), (4503599627370495::int8)) AS t(x)')).toBe(9007199254740991);
      await expect(read('SELECT SUM(x) AS n FROM (VALUES (4503599627370496::int8), (4503599627370496::int8)) AS t(x)')).rejects.toThrow(/beyond 2\^53/);
      await expect(read('SELECT 9007199254740993::int8 AS n')).rejects.toThrow(/beyond 2\^53/);
    }
  });
});
