import type { PaymentEvent } from '@spr/contracts';
import { createPaymentCodec } from '@spr/contracts';
import { createSchemaRegistryClient, createSequencedProducer } from '@spr/routing';
import type { Kafka } from 'kafkajs';
import type { BenchContext } from './bench-context.ts';
import { benchName } from './bench-names.ts';
import { generateBacklog, type BacklogOptions } from './backlog-generator.ts';
import { createBacklogSummariser, type BacklogSummary } from './backlog-summary.ts';
import { createSendWindow, sendEvent } from './backlog-send.ts';
import { epochNow } from './clock.ts';

export interface ProducedBacklog {
  readonly topic: string;
  readonly partitions: number;
  /** Log end offset per partition (the topic is fresh, so every partition starts at 0). */
  readonly ends: ReadonlyMap<number, number>;
  readonly summary: BacklogSummary;
  readonly seconds: number;
  readonly eventsPerSec: number;
}

const MAX_OUTSTANDING = 20_000;

/** Creates a fresh topic (deleted when the run ends) holding `partitions` partitions. */
export async function createBenchTopic(
  ctx: BenchContext,
  kafka: Kafka,
  prefix: string,
  partitions: number,
): Promise<string> {
  const topic = benchName(prefix);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  ctx.resources.defer(`delete topic ${topic}`, async () => {
    const cleaner = kafka.admin();
    await cleaner.connect();
    try {
      await cleaner.deleteTopics({ topics: [topic], timeout: 10_000 });
    } finally {
      await cleaner.disconnect();
    }
  });
  return topic;
}

/**
 * Registers the payment schemas under the topic's subjects, once, before any producer process starts: two processes
 * registering the same new subjects at the same moment can fail (the registry client compares the subject's
 * compatibility setting while the other process is still creating it).
 */
export async function registerSchemas(ctx: BenchContext, topic: string): Promise<void> {
  await createPaymentCodec({
    registry: createSchemaRegistryClient({ url: ctx.stack.schemaRegistryUrl }),
    topic,
  }).registerAll();
}

export async function topicEnds(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Produces the backlog once, into a fresh topic, with the routing library's producer and the contracts codec. */
export async function produceBacklog(
  ctx: BenchContext,
  kafka: Kafka,
  backlog: BacklogOptions,
  partitions: number,
): Promise<ProducedBacklog> {
  const topic = await createBenchTopic(ctx, kafka, 'backlog', partitions);
  const codec = createPaymentCodec({
    registry: createSchemaRegistryClient({ url: ctx.stack.schemaRegistryUrl }),
    topic,
  });
  await codec.registerAll();
  const producer = createSequencedProducer<PaymentEvent>({ kafka, topic, partitionCount: partitions, encoder: codec });
  await producer.start();
  const summariser = createBacklogSummariser();
  const window = createSendWindow(MAX_OUTSTANDING);
  const started = epochNow();
  let lastReport = started;
  let sent = 0;
  try {
    for (const item of generateBacklog(backlog)) {
      if (ctx.signal.aborted) throw new Error('interrupted');
      summariser.add(item);
      await window.acquire();
      void window.track(sendEvent(producer, item.event)).catch(() => undefined);
      sent++;
      if (epochNow() - lastReport >= 5_000) {
        lastReport = epochNow();
        ctx.log(`  produced ${sent.toLocaleString('en-US')} of ${backlog.events.toLocaleString('en-US')} events`);
      }
    }
    await window.drained();
  } finally {
    await producer.stop();
  }
  const seconds = (epochNow() - started) / 1000;
  const ends = await topicEnds(kafka, topic);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  if (total !== backlog.events) throw new Error(`the backlog topic holds ${total} records, expected ${backlog.events}`);
  return {
    topic,
    partitions,
    ends,
    summary: summariser.summary(),
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSec: Math.round(backlog.events / seconds),
  };
}
