/**
 * The reconciler finds each injected fault (a deleted ledger row, a duplicated row, a skipped event) and repairs
 * what replay can repair (the skipped event), leaving the rest reported.
 */
import { createConsumerRuntime, readGroupOffsets, type ConsumerRuntime } from '@spr/consumer-runtime';
import { createPaymentCodec, type PaymentEvent } from '@spr/contracts';
import { migrateDatabase } from '@spr/ledger-db';
import { silentLogger } from '@spr/observability';
import { simulatePayments } from '@spr/payments-domain';
import { createLedgerHandler, createPaymentDecoder } from '@spr/payments-ledger';
import {
  compositeKey,
  createSchemaRegistryClient,
  createSequencedProducer,
  partitionFor,
  type SequencedProducer,
} from '@spr/routing';
import {
  createTestDatabaseSchema,
  createTestTopic,
  testKafka,
  testStack,
  uniqueName,
  waitFor,
  type TestDatabaseSchema,
} from '@spr/testing';
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger, repairByReplay, type ReconcilerDeps } from './reconciler.ts';

const stack = testStack();
let kafka: Kafka;
let admin: Admin;
let schema: TestDatabaseSchema;
let pool: pg.Pool;
let producer: SequencedProducer<PaymentEvent>;
let deps: ReconcilerDeps;
let runtime: ConsumerRuntime | undefined;

const groupId = uniqueName('reconcile_group');

beforeAll(async () => {
  kafka = testKafka(stack.kafkaBrokers);
  admin = kafka.admin();
  await admin.connect();
  const topic = await createTestTopic(admin, { prefix: 'reconcile', partitions: 6 });
  schema = await createTestDatabaseSchema(stack.databaseUrl, 'reconcile');
  pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 6 });
  pool.on('error', () => undefined);
  await migrateDatabase(pool);
  const codec = createPaymentCodec({ registry: createSchemaRegistryClient({ url: stack.schemaRegistryUrl }), topic });
  producer = createSequencedProducer({ kafka, topic, partitionCount: 6, encoder: codec });
  await producer.start();
  deps = { kafka, pool, codec, topic, groupId };
});

afterAll(async () => {
  await runtime?.stop();
  await producer.stop();
  await admin.disconnect();
  await pool.end();
  await schema.drop();
});

const publish = (events: PaymentEvent[]) =>
  Promise.all(
    events.map((e) =>
      producer.send({
        entityType: 'payment',
        entityId: e.payload.entity_id,
        seq: e.payload.seq,
        eventId: e.payload.event_id,
        eventType: e.type,
        correlationId: 'c',
        event: e,
      }),
    ),
  );

async function startConsumer(): Promise<void> {
  runtime = createConsumerRuntime({
    kafka,
    pool,
    groupId,
    topic: deps.topic,
    decoder: createPaymentDecoder(deps.codec),
    handler: createLedgerHandler(),
    logger: silentLogger(),
    sessionTimeoutMs: 3_000,
    monitorIntervalMs: 250,
  });
  await runtime.start();
}

async function drained(): Promise<void> {
  const ends = await admin.fetchTopicOffsets(deps.topic);
  await waitFor(
    async () => {
      const stored = await readGroupOffsets(pool, groupId);
      return ends.every((e) => stored.some((o) => o.partition === e.partition && o.nextOffset >= BigInt(e.high)));
    },
    { what: 'the consumer to drain the topic' },
  );
}

describe('reconciler', () => {
  it('reports a clean ledger, then detects each injected fault and repairs the skipped event by replay', async () => {
    const events = [...simulatePayments({ payments: 200, seed: 31 })];
    await publish(events);
    await startConsumer();
    await drained();
    const clean = await checkLedger(deps);
    expect(clean.status).toBe('clean');
    expect(clean.counts).toMatchObject({
      missing: 0,
      duplicated: 0,
      out_of_order: 0,
      parked: 0,
      drifted: 0,
      clean: 200,
    });

    // Fault 1, a deleted ledger row; fault 2, a duplicated ledger transaction (both bypass the ledger's triggers,
    // as a careless manual fix would).
    const captured = events.filter((e) => e.type === 'PaymentCaptured');
    const [deletedIn, duplicatedIn] = [captured[0]!.payload, captured[1]!.payload];
    const admin = await pool.connect();
    try {
      await admin.query('begin');
      await admin.query(`set local session_replication_role = replica`);
      await admin.query(`delete from ledger_entries where id = (select min(id) from ledger_entries where tx_id = $1)`, [
        deletedIn.event_id,
      ]);
      await admin.query(
        `insert into ledger_entries (tx_id, payment_id, seq, event_type, account, direction, amount_minor, currency, occurred_at)
         select tx_id, payment_id, seq, event_type, account, direction, amount_minor, currency, occurred_at from ledger_entries where tx_id = $1`,
        [duplicatedIn.event_id],
      );
      await admin.query('commit');
    } finally {
      admin.release();
    }

    // Fault 3, a skipped event: the stored offset jumps over a payment's next event, so its later events park.
    await runtime!.stop();
    const skippedPayment = 'pay-skipped';
    const lifecycle = [...simulatePayments({ payments: 1, seed: 32, idPrefix: skippedPayment })];
    expect(lifecycle.length).toBeGreaterThanOrEqual(3);
    const [first, skipped, ...rest] = lifecycle;
    await publish([first!]);
    await startConsumer();
    await drained();
    await runtime!.stop();
    const partition = partitionFor(compositeKey({ entityType: 'payment', entityId: first!.payload.entity_id }), 6);
    const [sent] = await publish([skipped!]);
    // A corruption no code of the product makes (offsets only move back), hence raw SQL.
    await pool.query('update consumer_offsets set next_offset = $3 where group_id = $1 and partition = $2', [
      groupId,
      partition,
      (sent!.offset + 1n).toString(),
    ]);
    await publish(rest);
    await startConsumer();
    await drained();

    const before = await checkLedger(deps);
    expect(before.status).toBe('drift');
    const kinds = (id: string) =>
      before.issues
        .filter((i) => i.paymentId === id)
        .map((i) => i.kind)
        .sort();
    expect(kinds(deletedIn.entity_id)).toEqual(['drifted']);
    expect(kinds(duplicatedIn.entity_id)).toEqual(['duplicated']);
    expect(kinds(first!.payload.entity_id)).toEqual(['missing', 'parked']);
    expect(before.issues.find((i) => i.kind === 'missing')?.positions).toEqual([{ partition, offset: sent!.offset }]);

    // The repair replays the partition from the skipped event; the running consumer re-reads it.
    const repaired = await repairByReplay(deps, before, { waitMs: 60_000 });
    expect(repaired.reset).toEqual([expect.objectContaining({ partition, to: sent!.offset })]);
    expect(repaired.caughtUp).toBe(true);
    const after = (id: string) =>
      repaired.after.issues
        .filter((i) => i.paymentId === id)
        .map((i) => i.kind)
        .sort();
    expect(after(first!.payload.entity_id)).toEqual([]);
    // What replay cannot fix stays reported.
    expect(after(deletedIn.entity_id)).toEqual(['drifted']);
    expect(after(duplicatedIn.entity_id)).toEqual(['duplicated']);
    expect(repaired.after.status).toBe('drift');
  });
});
