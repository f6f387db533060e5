/**
 * Proves the stack is real: a broker that speaks the Kafka protocol of 4.x, a Confluent-compatible registry
 * (Apicurio) that stores schemas and ids, and a PostgreSQL server.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { brokerApiVersions, createTestTopic, testKafka, testStack, uniqueName } from './index.ts';
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const stack = testStack();
let kafka: Kafka;
let admin: Admin;
const toClose: Array<{ disconnect(): Promise<void> }> = [];

beforeAll(async () => {
  kafka = testKafka(stack.kafkaBrokers);
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const client of toClose.reverse()) await client.disconnect();
  await admin.disconnect();
});

async function connectedProducer(config: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> {
  const producer = kafka.producer(config);
  await producer.connect();
  toClose.push(producer);
  return producer;
}

/** Consumes `topic` from the beginning with a new group, resolving once `count` messages have arrived. */
async function consume(
  topic: string,
  count: number,
  isolation: 'read_committed' | 'read_uncommitted' = 'read_uncommitted',
): Promise<{ messages: KafkaMessage[]; consumer: Consumer }> {
  const consumer = kafka.consumer({
    groupId: uniqueName('smoke_group'),
    readUncommitted: isolation === 'read_uncommitted',
  });
  await consumer.connect();
  toClose.push(consumer);
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= count) resolve();
        },
      })
      .catch(reject);
  });
  return { messages, consumer };
}

describe('smoke: the stack is real', () => {
  it('is a Kafka 4.x broker (KIP-896 removed Fetch v0-v3 in 4.0)', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    const fetchApi = (await brokerApiVersions(stack.kafkaBrokers[0]!)).get(1); // Fetch is API key 1
    expect(fetchApi?.minVersion).toBeGreaterThanOrEqual(4);
    const broker = cluster.brokers[0]!;
    process.stderr.write(
      `[smoke] Kafka broker ${broker.host}:${broker.port}: ` +
        `Fetch v${fetchApi?.minVersion}-v${fetchApi?.maxVersion}, so Kafka 4.x\n`,
    );
  });

  it('a producer and a consumer group exchange messages', async () => {
    const topic = await createTestTopic(admin, { prefix: 'smoke', partitions: 3 });
    const producer = await connectedProducer();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}` }));
    await producer.send({ topic, messages: sent });
    const { messages } = await consume(topic, sent.length);
    expect(messages.map((m) => m.value?.toString()).sort()).toEqual(sent.map((m) => m.value).sort());
  });

  it('registers an Avro schema and round-trips a message through the registry', async () => {
    const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
    const name = uniqueName('Smoke');
    const schema = JSON.stringify({
      type: 'record',
      name,
      namespace: 'dev.spr.smoke',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'long' },
      ],
    });
    const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: `${name}-value` });
    expect(id).toBeGreaterThan(0);
    const encoded = await registry.encode(id, { id: 'p-1', amount: 1250 });
    expect(encoded[0]).toBe(0); // Confluent wire format: magic byte, then the 4-byte schema id
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await registry.decode(encoded)).toEqual({ id: 'p-1', amount: 1250 });
    const info = (await (await fetch(new URL('/apis/registry/v3/system/info', stack.schemaRegistryUrl))).json()) as {
      name: string;
      version: string;
    };
    process.stderr.write(`[smoke] schema registry: ${info.name} ${info.version}, schema id ${id}\n`);
  });

  it('a committed transaction is visible and an aborted one stays invisible to read_committed', async () => {
    const topic = await createTestTopic(admin, { prefix: 'smoke_tx' });
    const producer = await connectedProducer({
      transactionalId: uniqueName('smoke_tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed-1' }] });
    await committed.commit();
    // A marker message written after both transactions: once it is read, everything before it was decided.
    const plain = await connectedProducer();
    await plain.send({ topic, messages: [{ value: 'end' }] });

    const { messages } = await consume(topic, 2, 'read_committed');
    expect(messages.map((m) => m.value?.toString())).toEqual(['committed-1', 'end']);
  });

  it('PostgreSQL answers a round trip', async () => {
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const table = uniqueName('smoke');
      await client.query(`create temporary table ${table} (id bigint primary key, note text not null)`);
      await client.query(`insert into ${table} values ($1, $2)`, [42n.toString(), 'ledger']);
      const { rows } = await client.query<{ id: string; note: string }>(`select id, note from ${table}`);
      expect(rows).toEqual([{ id: '42', note: 'ledger' }]);
      const version = await client.query<{ server_version: string }>('show server_version');
      process.stderr.write(`[smoke] PostgreSQL ${version.rows[0]!.server_version}\n`);
    } finally {
      await client.end();
    }
  });
});
