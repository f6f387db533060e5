/**
 * The simple path: an `apply` handler that calls a slow external system runs different entities concurrently
 * (up to `maxLanes`) and each entity strictly in order, inside the chunk's one transaction, exactly once.
 */
import { migrateDatabase } from '@spr/ledger-db';
import { silentLogger } from '@spr/observability';
import { createTestDatabaseSchema, createTestTopic, testKafka, testStack, uniqueName, waitFor } from '@spr/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerRuntime } from './consumer-runtime.ts';
import { readGroupOffsets } from './offset-store.ts';
import { makeNotes, noteDecoder, noteMessage, type Note } from './test-support/notes.ts';
import type { ApplyHandler } from './types.ts';

const stack = testStack();
let pool: pg.Pool;
let drop: () => Promise<void>;
beforeAll(async () => {
  const schema = await createTestDatabaseSchema(stack.databaseUrl, 'lanes');
  drop = schema.drop;
  pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 4 });
  await migrateDatabase(pool);
  await pool.query(
    'create table lane_effects (id bigserial primary key, entity text not null, seq int not null, ' +
      'event_id uuid not null unique)',
  );
});
afterAll(async () => {
  await pool.end();
  await drop();
});

describe('apply handler lanes', () => {
  it('runs entities concurrently up to maxLanes, each in order, exactly once', async () => {
    const kafka = testKafka(stack.kafkaBrokers);
    const admin = kafka.admin();
    await admin.connect();
    const topic = await createTestTopic(admin, { prefix: 'lanes', partitions: 1 });
    const entities = 12;
    const perEntity = 8;
    const notes = makeNotes(entities, 1, perEntity);
    const producer = kafka.producer();
    await producer.connect();
    // Every note once, and every tenth one again (a redelivery).
    const deliveries = notes.flatMap((n, i) => (i % 10 === 3 ? [n, n] : [n]));
    await producer.send({ topic, messages: deliveries.map(noteMessage) });
    await producer.disconnect();

    let running = 0;
    let peak = 0;
    const maxLanes = 4;
    const handler: ApplyHandler<Note> = {
      kind: 'apply',
      async apply(tx, note) {
        running++;
        peak = Math.max(peak, running);
        try {
          // A slow external call (a payment provider, say) before the write.
          await new Promise((resolve) => setTimeout(resolve, 5));
          await tx.query('insert into lane_effects (entity, seq, event_id) values ($1, $2, $3)', [
            note.entity,
            note.seq,
            note.id,
          ]);
          return { kind: 'applied' };
        } finally {
          running--;
        }
      },
    };
    const groupId = uniqueName('lanes_group');
    const runtime = createConsumerRuntime({
      kafka,
      pool,
      groupId,
      topic,
      decoder: noteDecoder,
      handler,
      logger: silentLogger(),
      maxLanes,
      chunk: { maxEvents: 200 },
      sessionTimeoutMs: 6_000,
    });
    await runtime.start();
    try {
      await waitFor(
        async () =>
          Number((await readGroupOffsets(pool, groupId)).reduce((sum, o) => sum + o.nextOffset, 0n)) ===
          deliveries.length,
        {
          what: 'every delivery to be accounted',
        },
      );
    } finally {
      await runtime.stop();
      await admin.disconnect();
    }
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(maxLanes);
    const { rows } = await pool.query<{ entity: string; seq: number }>(
      'select entity, seq from lane_effects order by id',
    );
    expect(rows).toHaveLength(notes.length);
    const byEntity = new Map<string, number[]>();
    for (const r of rows) byEntity.set(r.entity, [...(byEntity.get(r.entity) ?? []), r.seq]);
    for (const seqs of byEntity.values()) expect(seqs).toEqual(Array.from({ length: perEntity }, (_, i) => i + 1));
    const offsets = await readGroupOffsets(pool, groupId);
    const counts = {
      applied: offsets.reduce((sum, o) => sum + o.counts.applied, 0n),
      duplicates: offsets.reduce((sum, o) => sum + o.counts.duplicates, 0n),
    };
    expect(counts).toEqual({ applied: BigInt(notes.length), duplicates: BigInt(deliveries.length - notes.length) });
  });
});
