import { createTestTopic, testKafka, testStack, uniqueName } from '@spr/testing';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compositeKey } from './composite-key.ts';
import { EVENT_HEADERS, isValidTraceparent } from './headers.ts';
import { partitionFor } from './partitioner.ts';
import { RoutingError } from './routing-error.ts';
import { createSequencedProducer, type EventEncoder, type SequencedRecord } from './sequenced-producer.ts';

interface TestEvent {
  readonly id: string;
  readonly n: number;
}

/** A stand-in for the Avro codec: these tests are about routing, headers and batching, not encoding. */
const jsonEncoder: EventEncoder<TestEvent> = {
  encode: async (event) => ({ value: Buffer.from(JSON.stringify(event)), schemaId: 7 }),
};

const stack = testStack();
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  kafka = testKafka(stack.kafkaBrokers);
  admin = kafka.admin();
  await admin.connect();
});
afterAll(() => admin.disconnect());

const record = (entityId: string, seq: number, correlationId = 'corr-1'): SequencedRecord<TestEvent> => ({
  entityType: 'payment',
  entityId,
  seq: BigInt(seq),
  eventId: `${entityId}-${seq}`,
  eventType: 'TestEvent',
  correlationId,
  event: { id: entityId, n: seq },
});

async function readAll(topic: string, count: number): Promise<Array<KafkaMessage & { partition: number }>> {
  const consumer = kafka.consumer({ groupId: uniqueName('producer_test') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: Array<KafkaMessage & { partition: number }> = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          seen.push({ ...message, partition });
          if (seen.length >= count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('sequenced producer', () => {
  it(
    'keys by entity, partitions like Java, ' +
      'and puts seq, type, schema id, correlation id and traceparent in headers',
    async () => {
      const topic = await createTestTopic(admin, { prefix: 'seqprod', partitions: 6 });
      const producer = createSequencedProducer({ kafka, topic, partitionCount: 6, encoder: jsonEncoder });
      await producer.start();
      const records = Array.from({ length: 60 }, (_, i) => record(`p-${i % 12}`, Math.floor(i / 12) + 1));
      const sent = await Promise.all(records.map((r) => producer.send(r)));
      await producer.stop();

      for (const [i, r] of records.entries()) expect(sent[i]!.partition).toBe(partitionFor(compositeKey(r), 6));
      const messages = await readAll(topic, records.length);
      for (const m of messages) {
        const key = m.key!.toString();
        expect(m.partition).toBe(partitionFor(key, 6));
        const header = (name: string) => m.headers![name]!.toString();
        const body = JSON.parse(m.value!.toString()) as TestEvent;
        expect(key).toBe(`payment:${body.id}`);
        expect(header(EVENT_HEADERS.seq)).toBe(String(body.n));
        expect(header(EVENT_HEADERS.eventType)).toBe('TestEvent');
        expect(header(EVENT_HEADERS.schemaId)).toBe('7');
        expect(header(EVENT_HEADERS.correlationId)).toBe('corr-1');
        expect(isValidTraceparent(header(EVENT_HEADERS.traceparent))).toBe(true);
      }
      // Per entity, the log holds the events in seq order (one partition per entity, offsets ascending).
      const byEntity = new Map<string, number[]>();
      for (const m of [...messages].sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))) {
        const body = JSON.parse(m.value!.toString()) as TestEvent;
        byEntity.set(body.id, [...(byEntity.get(body.id) ?? []), body.n]);
      }
      for (const seqs of byEntity.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    },
  );

  it('gathers concurrent sends into a few requests within its memory bound', async () => {
    const topic = await createTestTopic(admin, { prefix: 'seqprod_batch', partitions: 3 });
    const maxBufferedBytes = 64 * 1024;
    const producer = createSequencedProducer({
      kafka,
      topic,
      partitionCount: 3,
      encoder: jsonEncoder,
      batching: { maxMessages: 200, lingerMs: 5, maxBufferedBytes },
    });
    await producer.start();
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => producer.send(record(`p-${i}`, 1))));
    await producer.stop();
    expect(producer.stats.messages).toBe(1_000);
    expect(producer.stats.batches).toBeLessThanOrEqual(50);
    expect(producer.stats.peakBufferedBytes).toBeLessThanOrEqual(maxBufferedBytes);
  });

  it('refuses a topic whose partition count differs from the configured one', async () => {
    const topic = await createTestTopic(admin, { prefix: 'seqprod_count', partitions: 4 });
    const producer = createSequencedProducer({ kafka, topic, partitionCount: 6, encoder: jsonEncoder });
    const start = producer.start();
    await expect(start).rejects.toBeInstanceOf(RoutingError);
    await expect(start).rejects.toThrowError(`topic '${topic}' has 4 partitions but the producer is configured for 6`);
  });

  it('refuses a topic that does not exist', async () => {
    const producer = createSequencedProducer({
      kafka,
      topic: uniqueName('missing'),
      partitionCount: 6,
      encoder: jsonEncoder,
    });
    await expect(producer.start()).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' });
  });

  it('refuses an ambiguous key before sending anything', async () => {
    const topic = await createTestTopic(admin, { prefix: 'seqprod_key' });
    const producer = createSequencedProducer({ kafka, topic, partitionCount: 1, encoder: jsonEncoder });
    await producer.start();
    await expect(producer.send({ ...record('x', 1), entityType: 'pay:ment' })).rejects.toMatchObject({
      code: 'INVALID_KEY_PART',
    });
    await producer.stop();
    await expect(producer.send(record('x', 1))).rejects.toMatchObject({ code: 'PRODUCER_STOPPED' });
  });
});

describe('sequenced producer order', () => {
  it('keeps call order when an earlier send encodes slower than a later one', async () => {
    const topic = await createTestTopic(admin, { prefix: 'seqprod_order', partitions: 1 });
    // The first event's encoding takes longest (like a first encode that registers its schema).
    const slowFirst: EventEncoder<TestEvent> = {
      encode: async (event) => {
        if (event.n === 1) await new Promise((resolve) => setTimeout(resolve, 50));
        return { value: Buffer.from(JSON.stringify(event)), schemaId: 7 };
      },
    };
    const producer = createSequencedProducer({ kafka, topic, partitionCount: 1, encoder: slowFirst });
    await producer.start();
    const sent = await Promise.all([1, 2, 3, 4, 5].map((n) => producer.send(record('p-order', n))));
    await producer.stop();
    expect(sent.map((s) => s.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(producer.stats.batches).toBeLessThanOrEqual(2);
  });
});
