/**
 * The real gateway, in-process on a free port, against the real stack: a database schema of its own with the
 * real migrations, a unique 6-partition topic, and captured log lines. Also a reader of that topic that decodes
 * every message through the registry, and what tests need to check that nothing was written.
 */
import { Writable } from 'node:stream';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createPaymentCodec, type PaymentEvent } from '@spr/contracts';
import { migrateDatabase } from '@spr/ledger-db';
import { createLogger } from '@spr/observability';
import {
  createTestDatabaseSchema,
  createTestTopic,
  testKafka,
  testStack,
  uniqueName,
  waitFor,
  type TestDatabaseSchema,
} from '@spr/testing';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import pg from 'pg';
import { hashApiKey } from '../api-keys.ts';
import { gatewayConfigFromEnv } from '../config.ts';
import { createGateway, type Gateway } from '../gateway.ts';

export const API_KEY = 'sk_test_merchant_a_5d1e0c';
export const OTHER_API_KEY = 'sk_test_merchant_b_77ab31';

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

export interface CallOptions {
  readonly body?: unknown;
  /** Sent as is (malformed JSON, oversized bodies). */
  readonly rawBody?: string;
  readonly contentType?: string;
  /** Default: a new unique key on POST; null sends none. */
  readonly idempotencyKey?: string | null;
  /** Default: API_KEY as x-api-key; null sends none. */
  readonly apiKey?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Row counts and a digest of every payment's state: equal before and after means nothing was written. */
export interface WriteSnapshot {
  readonly payments: number;
  readonly outbox: number;
  readonly idempotency: number;
  readonly paymentsDigest: string;
}

export interface GatewayHarness {
  readonly gateway: Gateway;
  readonly baseUrl: string;
  readonly topic: string;
  readonly schema: TestDatabaseSchema;
  /** A pool on the test schema, for assertions. */
  readonly db: pg.Pool;
  readonly kafka: Kafka;
  /** Every log line the gateway wrote, as written. */
  readonly logs: string[];
  call(method: string, path: string, options?: CallOptions): Promise<HttpResult>;
  snapshot(): Promise<WriteSnapshot>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Extra environment for gatewayConfigFromEnv (e.g. BODY_LIMIT_BYTES). */
  readonly env?: Readonly<Record<string, string>>;
  /** Share another harness's schema and topic (a second instance). */
  readonly shareWith?: GatewayHarness;
}

export async function startGatewayHarness(options: HarnessOptions = {}): Promise<GatewayHarness> {
  const stack = testStack();
  const kafka = options.shareWith?.kafka ?? testKafka(stack.kafkaBrokers);
  let schema = options.shareWith?.schema;
  let topic = options.shareWith?.topic;
  const owned = !options.shareWith;
  if (!schema || !topic) {
    schema = await createTestDatabaseSchema(stack.databaseUrl, 'gateway');
    const migrator = new pg.Pool({ connectionString: schema.databaseUrl, max: 1 });
    await migrateDatabase(migrator).finally(() => migrator.end());
    const admin = kafka.admin();
    await admin.connect();
    topic = await createTestTopic(admin, { prefix: 'gateway_payments', partitions: 6 }).finally(() =>
      admin.disconnect(),
    );
  }
  const assertions = new pg.Pool({ connectionString: schema.databaseUrl, max: 4 });
  assertions.on('error', () => undefined);

  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = gatewayConfigFromEnv({
    DATABASE_URL: schema.databaseUrl,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    PAYMENTS_TOPIC: topic,
    GATEWAY_API_KEYS: `merchant-a:${hashApiKey(API_KEY)},merchant-b:${hashApiKey(OTHER_API_KEY)}`,
    PORT: '0',
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  const gateway = createGateway(config, {
    logger: createLogger({ service: 'producer-gateway', level: 'debug', destination }),
  });
  const { port } = await gateway.start();
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    gateway,
    baseUrl,
    topic,
    schema,
    db: assertions,
    kafka,
    logs,

    async call(method, path, call = {}) {
      const headers: Record<string, string> = { ...call.headers };
      if (call.apiKey !== null) headers['x-api-key'] ??= call.apiKey ?? API_KEY;
      if (method === 'POST' && call.idempotencyKey !== null)
        headers['idempotency-key'] ??= call.idempotencyKey ?? uniqueName('idem');
      let body: string | undefined;
      if (call.rawBody !== undefined) body = call.rawBody;
      else if (call.body !== undefined) body = JSON.stringify(call.body);
      if (body !== undefined) headers['content-type'] ??= call.contentType ?? 'application/json';
      const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined && { body }) });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },

    async snapshot() {
      const { rows } = await assertions.query<WriteSnapshot>(
        `select (select count(*)::int from gateway_payments) as payments,
                (select count(*)::int from outbox) as outbox,
                (select count(*)::int from idempotency_requests) as idempotency,
                (select coalesce(md5(string_agg(payment_id || state || last_seq || captured_minor || refunded_minor || updated_at, ',' order by payment_id)), '')
                   from gateway_payments) as "paymentsDigest"`,
      );
      return rows[0]!;
    },

    async close() {
      await gateway.stop();
      await assertions.end();
      if (owned) await dropTopicAndSchema(kafka, topic, schema, stack.schemaRegistryUrl);
    },
  };
}

async function dropTopicAndSchema(
  kafka: Kafka,
  topic: string,
  schema: TestDatabaseSchema,
  registryUrl: string,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).finally(() => admin.disconnect());
  await schema.drop();
  await deleteSubjects(registryUrl, topic);
}

/** The registry subjects the codec registered for `topic`, soft- then hard-deleted. */
export async function deleteSubjects(registryUrl: string, topic: string): Promise<void> {
  const subjects = (await (await fetch(`${registryUrl}/subjects`)).json()) as string[];
  for (const subject of subjects.filter((s) => s.startsWith(`${topic}-`))) {
    await fetch(`${registryUrl}/subjects/${subject}`, { method: 'DELETE' });
    await fetch(`${registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
  }
}

/** One message of the topic, decoded through the registry. */
export interface ReadEvent {
  readonly key: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly headers: Readonly<Record<string, string>>;
  readonly event: PaymentEvent;
  readonly receivedAt: number;
}

export interface TopicReader {
  readonly events: readonly ReadEvent[];
  /** Waits until `count` events of the payment have arrived; returns them in log (offset) order. */
  eventsOf(paymentId: string, count: number): Promise<ReadEvent[]>;
  close(): Promise<void>;
}

/** Reads the topic from the beginning with a consumer group of its own, decoding with a fresh registry client. */
export async function readTopic(kafka: Kafka, topic: string): Promise<TopicReader> {
  const codec = createPaymentCodec({ registry: new SchemaRegistry({ host: testStack().schemaRegistryUrl }), topic });
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('gateway_reader'), maxWaitTimeInMs: 50 });
  const events: ReadEvent[] = [];
  const failures: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const decoded = await codec.decode(message.value);
      if (!decoded.ok) {
        failures.push(`${partition}@${message.offset}: ${decoded.reason} ${decoded.error}`);
        return;
      }
      events.push({
        key: message.key!.toString(),
        partition,
        offset: BigInt(message.offset),
        headers: textHeaders(message.headers),
        event: decoded.event,
        receivedAt: Date.now(),
      });
    },
  });
  await waitFor(() => joined, { what: `the reader of ${topic} to join its group` });
  return {
    events,
    async eventsOf(paymentId, count) {
      return waitFor(
        () => {
          if (failures.length > 0) throw new Error(`undecodable messages: ${failures.join('; ')}`);
          const mine = events.filter((e) => e.event.payload.entity_id === paymentId);
          return mine.length >= count && [...mine].sort((a, b) => (a.offset < b.offset ? -1 : 1));
        },
        { what: `${count} events of payment ${paymentId} on ${topic}`, timeoutMs: 30_000, intervalMs: 10 },
      );
    },
    close: () => consumer.disconnect(),
  };
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString() : String(v)]),
  );
}
