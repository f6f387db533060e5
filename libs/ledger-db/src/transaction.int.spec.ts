import { createTestDatabaseSchema, testStack, type TestDatabaseSchema } from '@spr/testing';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from './db.ts';
import { withClient, withTransaction, type TransactionFailure } from './transaction.ts';

const stack = testStack();
let schema: TestDatabaseSchema;
let pool: pg.Pool;
/** Another connection, to watch from outside and to terminate the pool's backends. */
let admin: pg.Pool;
/** What each release told the pool: an error means the client was destroyed. */
let releases: Array<Error | undefined> = [];

beforeAll(async () => {
  schema = await createTestDatabaseSchema(stack.databaseUrl, 'transaction');
  pool = createPool({ connectionString: schema.databaseUrl, max: 2 });
  pool.on('release', (error: Error | undefined) => releases.push(error));
  admin = createPool({ connectionString: schema.databaseUrl, max: 1 });
  await admin.query('create table items (id int primary key)');
});

afterEach(async () => {
  releases = [];
  await admin.query('truncate items');
});

afterAll(async () => {
  await pool.end();
  await admin.end();
  await schema.drop();
});

const ids = async () => (await admin.query<{ id: number }>('select id from items order by id')).rows.map((r) => r.id);
const failure = async (work: Promise<unknown>): Promise<TransactionFailure> => {
  try {
    await work;
  } catch (error) {
    return error as TransactionFailure;
  }
  throw new Error('expected the transaction to fail');
};

describe('withTransaction', () => {
  it('commits what work did and returns its result', async () => {
    const result = await withTransaction(pool, async (client) => {
      await client.query('insert into items values (1), (2)');
      return 'done';
    });
    expect(result).toBe('done');
    expect(await ids()).toEqual([1, 2]);
    expect(releases).toEqual([undefined]);
  });

  it('rolls back when work throws, rethrows the same error and keeps the healthy client', async () => {
    const thrown = new Error('refused');
    const error = await failure(
      withTransaction(pool, async (client) => {
        await client.query('insert into items values (3)');
        throw thrown;
      }),
    );
    expect(error).toBe(thrown);
    expect(error.rollbackError).toBeUndefined();
    expect(await ids()).toEqual([]);
    expect(releases).toEqual([undefined]);
    expect(pool.idleCount).toBeGreaterThan(0);
  });

  it('opens the block it is asked for', async () => {
    const settings =
      "select current_setting('transaction_isolation') as iso," + " current_setting('transaction_read_only') as ro";
    const seen = await withTransaction(
      pool,
      async (client) => (await client.query<{ iso: string; ro: string }>(settings)).rows[0],
      {
        isolation: 'repeatable read',
        readOnly: true,
      },
    );
    expect(seen).toEqual({ iso: 'repeatable read', ro: 'on' });
  });

  it('lets work send BEGIN and COMMIT itself, and still rolls back on failure', async () => {
    const ownBlock = { workSendsBeginAndCommit: true };
    await withTransaction(
      pool,
      async (client) => void (await client.query('begin; insert into items values (4); commit')),
      ownBlock,
    );
    const error = await failure(
      withTransaction(
        pool,
        async (client) => {
          await client.query('begin; insert into items values (5)');
          await client.query('insert into items values (4)'); // a unique violation
        },
        ownBlock,
      ),
    );
    expect(error).toMatchObject({ code: '23505' });
    expect(await ids()).toEqual([4]);
    expect(releases).toEqual([undefined, undefined]);
  });

  it('destroys a client whose rollback fails, and rethrows the original error with the rollback error', async () => {
    const thrown = new Error('work failed');
    const error = await failure(
      withTransaction(pool, async (client) => {
        await client.query('insert into items values (6)');
        // The connection stays up but ROLLBACK fails: the client must not go back to the pool inside its open block.
        type Query = (text: string) => Promise<unknown>;
        const query = client.query.bind(client) as Query;
        const refuseRollback: Query = (text) =>
          text === 'rollback' ? Promise.reject(new Error('rollback refused')) : query(text);
        (client as unknown as { query: Query }).query = refuseRollback;
        throw thrown;
      }),
    );
    expect(error).toBe(thrown);
    expect(error.rollbackError).toMatchObject({ message: 'rollback refused' });
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({ message: 'rollback refused' });
    expect(pool.totalCount).toBe(0);
    expect(await ids()).toEqual([]); // the destroyed connection's open transaction ended with it
    expect((await pool.query<{ n: number }>('select 1 as n')).rows[0]!.n).toBe(1);
  });

  it('destroys a client whose backend was terminated inside work, and the pool works on', async () => {
    const error = await failure(
      withTransaction(pool, async (client) => {
        await client.query('insert into items values (7)');
        const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        await admin.query('select pg_terminate_backend($1)', [pid]);
        await client.query('insert into items values (8)');
      }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(releases).toHaveLength(1);
    expect(releases[0]).toBeInstanceOf(Error);
    expect(pool.totalCount).toBe(0);
    expect(await ids()).toEqual([]);
    expect((await pool.query<{ n: number }>('select 1 as n')).rows[0]!.n).toBe(1);
  });
});

describe('withClient', () => {
  it('returns a healthy client to the pool, and destroys one whose connection broke', async () => {
    await withClient(pool, async (client) => client.query('select 1'));
    expect(releases).toEqual([undefined]);
    const error = await failure(
      withClient(pool, async (client) => {
        const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        await admin.query('select pg_terminate_backend($1)', [pid]);
        await client.query('select 1');
      }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(releases[1]).toBeInstanceOf(Error);
    expect((await pool.query<{ n: number }>('select 1 as n')).rows[0]!.n).toBe(1);
  });
});
