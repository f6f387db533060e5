import { createHash, randomUUID } from 'node:crypto';
import { migrateDatabase } from '@spr/ledger-db';
import { createTestDatabaseSchema, testStack, type TestDatabaseSchema } from '@spr/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDurableDedupe, loadChunkDedupeState, writeChunkDedupe } from './durable-dedupe.ts';
import { IdempotencyError } from './idempotency-error.ts';
import { entityKey, type EventIdentity, type EventPosition } from './types.ts';

const stack = testStack();
let schema: TestDatabaseSchema;
let pool: pg.Pool;
const dedupe = createDurableDedupe();

beforeAll(async () => {
  schema = await createTestDatabaseSchema(stack.databaseUrl, 'dedupe');
  pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 6 });
  await migrateDatabase(pool);
});

afterAll(async () => {
  await pool.end();
  await schema.drop();
});

const digest = (text: string) => createHash('sha256').update(text).digest();
const event = (
  entityId: string,
  seq: bigint,
  eventId = randomUUID(),
  content = `${entityId}/${seq}`,
): EventIdentity => ({
  eventId,
  entityType: 'payment',
  entityId,
  seq,
  payloadHash: digest(content),
});
const position = (offset: bigint): EventPosition => ({ topic: 'payments', partition: 0, offset });

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    const result = await work();
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

/** The per-event path: check, "apply" (a row in a side table), record; as a handler would. */
async function deliver(client: pg.PoolClient, e: EventIdentity, offset: bigint, effects: string): Promise<string> {
  return inTransaction(client, async () => {
    const verdict = await dedupe.check(client, e);
    if (verdict.kind === 'apply') {
      await client.query(`insert into ${effects} (event_id) values ($1)`, [e.eventId]);
      await dedupe.record(client, e, position(offset), 'applied');
    } else if (verdict.kind === 'gap') {
      await dedupe.record(client, e, position(offset), 'parked');
    }
    return verdict.kind;
  });
}

describe('durable dedupe', () => {
  it('applies the same event delivered concurrently over two connections exactly once', async () => {
    const effects = `effects_${randomUUID().slice(0, 8)}`;
    await pool.query(`create table ${effects} (event_id uuid not null)`);
    const [a, b] = [await pool.connect(), await pool.connect()];
    try {
      for (let round = 0; round < 20; round++) {
        const e = event(`p-race-${round}`, 1n);
        const verdicts = await Promise.all([deliver(a, e, 1n, effects), deliver(b, e, 1n, effects)]);
        expect(verdicts.sort()).toEqual(['apply', 'duplicate']);
      }
      const { rows } = await pool.query(
        `select event_id, count(*)::int as n from ${effects} group by event_id having count(*) > 1`,
      );
      expect(rows).toEqual([]);
      expect((await pool.query(`select count(*)::int as n from ${effects}`)).rows[0].n).toBe(20);
    } finally {
      a.release();
      b.release();
    }
  });

  it('classifies duplicates by id and by sequence, gaps, and a reused id', async () => {
    const client = await pool.connect();
    const effects = `effects_${randomUUID().slice(0, 8)}`;
    await pool.query(`create table ${effects} (event_id uuid not null)`);
    try {
      const first = event('p-classify', 1n);
      expect(await deliver(client, first, 10n, effects)).toBe('apply');
      expect(await deliver(client, first, 11n, effects)).toBe('duplicate'); // redelivery, same id
      expect(await deliver(client, event('p-classify', 1n), 12n, effects)).toBe('duplicate'); // new id, seq done
      expect(await deliver(client, event('p-classify', 3n), 13n, effects)).toBe('gap');
      expect(await deliver(client, event('p-classify', 2n), 14n, effects)).toBe('apply');
      const reused = await inTransaction(client, () =>
        dedupe.check(client, { ...first, payloadHash: digest('something else') }),
      );
      expect(reused).toEqual({ kind: 'conflict', reason: 'EVENT_ID_REUSED', recordedOutcome: 'applied' });
      const progress = await pool.query(
        `select applied_seq, parked_count from entity_progress where entity_id = 'p-classify'`,
      );
      expect(progress.rows).toEqual([{ applied_seq: '2', parked_count: 1 }]);
    } finally {
      client.release();
    }
  });

  it('writes a chunk set-based and refuses a stale compare-and-set', async () => {
    const client = await pool.connect();
    try {
      const events = [event('p-chunk-a', 1n), event('p-chunk-a', 2n), event('p-chunk-b', 1n)];
      const state = await inTransaction(client, () => loadChunkDedupeState(client, events));
      expect(state.progress.size).toBe(0);
      await inTransaction(client, () =>
        writeChunkDedupe(
          client,
          events.map((e, i) => ({ event: e, position: position(BigInt(100 + i)), outcome: 'applied' as const })),
          [
            {
              entityType: 'payment',
              entityId: 'p-chunk-a',
              before: undefined,
              after: { appliedSeq: 2n, parkedCount: 0 },
            },
            {
              entityType: 'payment',
              entityId: 'p-chunk-b',
              before: undefined,
              after: { appliedSeq: 1n, parkedCount: 0 },
            },
          ],
        ),
      );
      const reloaded = await inTransaction(client, () => loadChunkDedupeState(client, events));
      expect(reloaded.progress.get(entityKey('payment', 'p-chunk-a'))).toEqual({ appliedSeq: 2n, parkedCount: 0 });
      expect([...reloaded.seen.keys()].sort()).toEqual(events.map((e) => e.eventId).sort());

      // A writer that read p-chunk-a at applied_seq 1 (stale) must not overwrite it.
      const stale = inTransaction(client, () =>
        writeChunkDedupe(
          client,
          [],
          [
            {
              entityType: 'payment',
              entityId: 'p-chunk-a',
              before: { appliedSeq: 1n, parkedCount: 0 },
              after: { appliedSeq: 3n, parkedCount: 0 },
            },
          ],
        ),
      );
      await expect(stale).rejects.toSatisfy(
        (error: unknown) => error instanceof IdempotencyError && error.code === 'PROGRESS_CONFLICT' && error.retriable,
      );
      const after = await pool.query(`select applied_seq from entity_progress where entity_id = 'p-chunk-a'`);
      expect(after.rows).toEqual([{ applied_seq: '2' }]);
    } finally {
      client.release();
    }
  });
});
