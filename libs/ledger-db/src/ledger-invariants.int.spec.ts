/** The invariants of docs/design.md §6 are enforced by PostgreSQL itself, whatever code writes. */
import { randomUUID } from 'node:crypto';
import { createTestDatabaseSchema, testStack, type TestDatabaseSchema } from '@spr/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from './migrate.ts';
import { pgErrorKind, violatedConstraint } from './pg-errors.ts';

const stack = testStack();
let schema: TestDatabaseSchema;
let pool: pg.Pool;

beforeAll(async () => {
  schema = await createTestDatabaseSchema(stack.databaseUrl, 'invariants');
  pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
  await migrateDatabase(pool);
});

afterAll(async () => {
  await pool.end();
  await schema.drop();
});

type Leg = [account: string, direction: 'debit' | 'credit', amount: number, currency?: string];

async function post(txId: string, legs: Leg[]): Promise<void> {
  const values = legs.map(
    (_, i) => `($1, 'p-1', 1, 'PaymentCaptured', $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4}, $${i * 4 + 5}, now())`,
  );
  const params = legs.flatMap(([account, direction, amount, currency]) => [
    account,
    direction,
    amount,
    currency ?? 'EUR',
  ]);
  await pool.query(
    `insert into ledger_entries (tx_id, payment_id, seq, event_type, account, direction, amount_minor, currency,
                                 occurred_at)
     values ${values.join(', ')}`,
    [txId, ...params],
  );
}

async function failure(
  work: Promise<unknown>,
): Promise<{ kind: string; constraint: string | undefined; message: string }> {
  try {
    await work;
  } catch (error) {
    return { kind: pgErrorKind(error), constraint: violatedConstraint(error), message: (error as Error).message };
  }
  throw new Error('expected the database to reject the write');
}

async function balance(account: string, currency = 'EUR'): Promise<bigint | undefined> {
  const { rows } = await pool.query<{ balance_minor: string }>(
    'select balance_minor from account_balance_totals where account = $1 and currency = $2',
    [account, currency],
  );
  return rows[0] ? BigInt(rows[0].balance_minor) : undefined;
}

describe('ledger invariants', () => {
  it('accepts a balanced transaction and posts the balances', async () => {
    await post(randomUUID(), [
      ['customer:c-1', 'debit', 1250],
      ['merchant:m-1', 'credit', 1250],
    ]);
    expect(await balance('customer:c-1')).toBe(-1250n);
    expect(await balance('merchant:m-1')).toBe(1250n);
  });

  it('rejects an unbalanced transaction, and nothing of it remains', async () => {
    const txId = randomUUID();
    const rejected = await failure(
      post(txId, [
        ['customer:c-2', 'debit', 1000],
        ['merchant:m-2', 'credit', 999],
      ]),
    );
    expect(rejected).toMatchObject({ kind: 'check_violation', constraint: 'ledger_entries_balanced' });
    expect(rejected.message).toContain(`ledger transaction ${txId} is unbalanced in EUR: credits minus debits = -1`);
    const { rows } = await pool.query('select 1 from ledger_entries where tx_id = $1', [txId]);
    expect(rows).toHaveLength(0);
    expect(await balance('customer:c-2')).toBeUndefined();
  });

  it('rejects a leg added later that unbalances a posted transaction', async () => {
    const txId = randomUUID();
    await post(txId, [
      ['customer:c-3', 'debit', 500],
      ['merchant:m-3', 'credit', 500],
    ]);
    expect(await failure(post(txId, [['merchant:m-3', 'credit', 1]]))).toMatchObject({
      constraint: 'ledger_entries_balanced',
    });
  });

  it('balances each currency of a transaction on its own', async () => {
    const rejected = await failure(
      post(randomUUID(), [
        ['customer:c-4', 'debit', 100, 'EUR'],
        ['merchant:m-4', 'credit', 100, 'USD'],
      ]),
    );
    expect(rejected.constraint).toBe('ledger_entries_balanced');
  });

  it('rejects zero and negative amounts', async () => {
    for (const amount of [0, -5]) {
      expect(
        await failure(
          post(randomUUID(), [
            ['a', 'debit', amount],
            ['b', 'credit', amount],
          ]),
        ),
      ).toMatchObject({
        kind: 'check_violation',
        constraint: 'ledger_entries_amount_positive',
      });
    }
  });

  it('rejects a currency that is not ISO-4217', async () => {
    expect(
      await failure(
        post(randomUUID(), [
          ['a', 'debit', 1, 'XYZ'],
          ['b', 'credit', 1, 'XYZ'],
        ]),
      ),
    ).toMatchObject({
      kind: 'check_violation',
      constraint: 'ledger_entries_currency_iso',
    });
  });

  it("posts to the writer's balance shard; the totals view sums the shards", async () => {
    const client = await pool.connect();
    try {
      for (const shard of ['1', '2']) {
        await client.query('begin');
        await client.query(`select set_config('spr.balance_shard', $1, true)`, [shard]);
        await client.query(
          `insert into ledger_entries (tx_id, payment_id, seq, event_type, account, direction, amount_minor, currency,
                                       occurred_at)
           values ($1, 'p', 1, 'PaymentCaptured', 'customer:c-9', 'debit', 100, 'EUR', now()),
                  ($1, 'p', 1, 'PaymentCaptured', 'merchant:m-9', 'credit', 100, 'EUR', now())`,
          [randomUUID()],
        );
        await client.query('commit');
      }
    } finally {
      client.release();
    }
    const shards = await pool.query<{ shard: number; balance_minor: string }>(
      `select shard, balance_minor from account_balances where account = 'merchant:m-9' order by shard`,
    );
    expect(shards.rows).toEqual([
      { shard: 1, balance_minor: '100' },
      { shard: 2, balance_minor: '100' },
    ]);
    expect(await balance('merchant:m-9')).toBe(200n);
  });

  it('is append-only', async () => {
    expect((await failure(pool.query('update ledger_entries set amount_minor = amount_minor + 1'))).constraint).toBe(
      'ledger_entries_append_only',
    );
    expect((await failure(pool.query('delete from ledger_entries'))).constraint).toBe('ledger_entries_append_only');
  });

  it('keeps payment amounts ordered: refunded <= captured <= authorized <= amount', async () => {
    const insert = (captured: number, refunded: number) =>
      pool.query(
        `insert into payments (payment_id, state, customer_id, merchant_id, currency, amount_minor, authorized_minor,
                               captured_minor, refunded_minor, created_at, updated_at)
         values ($1, 'captured', 'c', 'm', 'EUR', 1000, 1000, $2, $3, now(), now())`,
        [randomUUID(), captured, refunded],
      );
    await insert(1000, 400);
    expect(await failure(insert(500, 600))).toMatchObject({ kind: 'check_violation', constraint: 'payments_amounts' });
    expect(await failure(insert(1001, 0))).toMatchObject({ constraint: 'payments_amounts' });
  });

  it('keeps event ids unique and an entity sequence number applied once', async () => {
    const row = (eventId: string, seq: number) =>
      pool.query(
        `insert into processed_events (event_id, entity_type, entity_id, seq, topic, partition, "offset", payload_hash,
                                       outcome)
         values ($1, 'payment', 'p-9', $2, 't', 0, 0, '\\x00', 'applied')`,
        [eventId, seq],
      );
    const id = randomUUID();
    await row(id, 1);
    expect(await failure(row(id, 2))).toMatchObject({ kind: 'unique_violation', constraint: 'processed_events_pkey' });
    expect(await failure(row(randomUUID(), 1))).toMatchObject({
      kind: 'unique_violation',
      constraint: 'processed_events_applied_seq',
    });
  });
});
