import { readGroupOffsets } from '@spr/consumer-runtime';
import { createPaymentCodec, type PaymentCodec, type PaymentEvent } from '@spr/contracts';
import { migrateDatabase } from '@spr/ledger-db';
import { createLogger, type Logger } from '@spr/observability';
import { createSchemaRegistryClient, createSequencedProducer, type SequencedProducer } from '@spr/routing';
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
import { paymentConsumerConfigFromEnv, type PaymentConsumerConfig } from '../config.ts';

/** A topic, a database schema and a consumer group of their own, plus what tests need to drive and inspect them. */
export interface PaymentFixture {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topic: string;
  readonly schema: TestDatabaseSchema;
  readonly pool: pg.Pool;
  readonly codec: PaymentCodec;
  readonly producer: SequencedProducer<PaymentEvent>;
  readonly logger: Logger;
  config(overrides?: Record<string, string>): PaymentConsumerConfig;
  env(overrides?: Record<string, string>): NodeJS.ProcessEnv;
  publish(events: Iterable<PaymentEvent>): Promise<number>;
  /** Waits until the group's stored offsets reach the end of every partition. */
  waitForDrain(groupId: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const PARTITIONS = 6;

export async function createPaymentFixture(prefix: string): Promise<PaymentFixture> {
  const stack = testStack();
  const kafka = testKafka(stack.kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  const topic = await createTestTopic(admin, { prefix, partitions: PARTITIONS });
  const schema = await createTestDatabaseSchema(stack.databaseUrl, prefix);
  const pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 4 });
  pool.on('error', () => undefined);
  await migrateDatabase(pool);
  const codec = createPaymentCodec({ registry: createSchemaRegistryClient({ url: stack.schemaRegistryUrl }), topic });
  const producer = createSequencedProducer<PaymentEvent>({ kafka, topic, partitionCount: PARTITIONS, encoder: codec });
  await producer.start();
  const logger = createLogger({
    service: 'payment-consumer-test',
    level: (process.env.TEST_LOG_LEVEL as 'warn' | undefined) ?? 'warn',
  });

  const env = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    DATABASE_URL: schema.databaseUrl,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    PAYMENTS_TOPIC: topic,
    CONSUMER_GROUP: uniqueName('payment_consumer'),
    OPS_PORT: '0',
    SESSION_TIMEOUT_MS: '3000',
    ...overrides,
  });

  return {
    kafka,
    admin,
    topic,
    schema,
    pool,
    codec,
    producer,
    logger,
    env,
    config: (overrides) => paymentConsumerConfigFromEnv(env(overrides)),
    async publish(events) {
      const sends: Promise<unknown>[] = [];
      for (const event of events) {
        const p = event.payload;
        sends.push(
          producer.send({
            entityType: p.entity_type,
            entityId: p.entity_id,
            seq: p.seq,
            eventId: p.event_id,
            eventType: event.type,
            correlationId: p.correlation_id,
            event,
          }),
        );
      }
      await Promise.all(sends);
      return sends.length;
    },
    async waitForDrain(groupId, timeoutMs = 120_000) {
      const ends = await admin.fetchTopicOffsets(topic);
      await waitFor(
        async () => {
          const stored = new Map(
            (await readGroupOffsets(pool, groupId, topic)).map((o) => [o.partition, o.nextOffset]),
          );
          return ends.every((e) => (stored.get(e.partition) ?? 0n) >= BigInt(e.high));
        },
        { what: `group ${groupId} to reach the end of ${topic}`, timeoutMs, intervalMs: 100 },
      );
    },
    async close() {
      await producer.stop();
      await admin.disconnect();
      await pool.end();
      await schema.drop();
    },
  };
}
