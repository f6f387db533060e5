import type { Logger } from '@spr/observability';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { DriverListener, KafkaDriver } from './kafka-driver.ts';
import { RuntimeError } from './runtime-error.ts';
import type { RawMessage } from './types.ts';

export interface KafkajsDriverOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fetch: {
    readonly maxBytes: number;
    readonly maxBytesPerPartition: number;
    readonly maxWaitTimeMs: number;
    readonly minBytes: number;
  };
  readonly logger: Logger;
}

/**
 * The runtime's Kafka driver on kafkajs 2.x. kafkajs fetches again only once every batch of its last fetch has
 * been handled (its fetcher awaits them), so `eachBatch` only hands the records over and returns: the runtime's
 * queues hold them while the database works, and fetching goes on (decision 0008). Kafka's offsets are advisory
 * here: a batch is resolved as soon as it is handed over, which only moves kafkajs's fetch position.
 */
export function createKafkajsDriver(options: KafkajsDriverOptions): KafkaDriver {
  const { kafka, groupId, topic } = options;
  const log = options.logger.child({ component: 'kafkajs-driver', groupId, topic });
  let admin: Admin | undefined;
  let consumer: Consumer | undefined;
  let generation = 0;
  let stopped = false;

  const eachBatch =
    (listener: DriverListener) =>
    async ({ batch, isStale, resolveOffset }: EachBatchPayload) => {
      // Fetched before a seek of its partition: the records from the new position follow.
      if (batch.messages.length === 0 || isStale()) return;
      const receivedAt = performance.timeOrigin + performance.now();
      const records = batch.messages.map((m) => new KafkajsRecord(topic, batch.partition, m));
      listener.records({ partition: batch.partition, records, receivedAt });
      resolveOffset(batch.lastOffset());
    };

  return {
    async start(listener) {
      admin = kafka.admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch((error: unknown) => {
        throw new RuntimeError(
          'INVALID_CONFIG',
          `topic '${topic}' does not exist (or is not readable); create it with its partition count first`,
          { cause: error },
        );
      });
      log.info({ partitions: metadata.topics[0]?.partitions.length }, 'topic found');
      const c = kafka.consumer({
        groupId,
        sessionTimeout: options.sessionTimeoutMs,
        heartbeatInterval: options.heartbeatIntervalMs,
        maxBytes: options.fetch.maxBytes,
        maxBytesPerPartition: options.fetch.maxBytesPerPartition,
        maxWaitTimeInMs: options.fetch.maxWaitTimeMs,
        minBytes: options.fetch.minBytes,
        allowAutoTopicCreation: false,
        readUncommitted: false,
      });
      consumer = c;
      // kafkajs emits GROUP_JOIN synchronously after it applied the assignment and before it fetches for it.
      c.on(c.events.GROUP_JOIN, ({ payload }) =>
        listener.assigned({ generation: ++generation, partitions: payload.memberAssignment[topic] ?? [] }),
      );
      c.on(c.events.CRASH, ({ payload }) => {
        if (!payload.restart && !stopped) listener.crashed(payload.error);
      });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: eachBatch(listener),
      });
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer?.stop().catch((error: unknown) => log.warn({ err: error }, 'stopping the consumer'));
      await consumer?.disconnect().catch((error: unknown) => log.warn({ err: error }, 'disconnecting the consumer'));
      await admin?.disconnect().catch(() => undefined);
    },

    pause: (partitions) => consumer?.pause([{ topic, partitions: [...partitions] }]),
    resume: (partitions) => consumer?.resume([{ topic, partitions: [...partitions] }]),
    paused: () => (consumer?.paused() ?? []).flatMap((tp) => (tp.topic === topic ? tp.partitions : [])),

    seek(partition, offset) {
      consumer?.seek({ topic, partition, offset: offset.toString() });
    },

    async commit(partition, nextOffset) {
      await consumer?.commitOffsets([{ topic, partition, offset: nextOffset.toString() }]);
    },

    async offsets() {
      if (!admin) throw new RuntimeError('STOPPED', 'the driver is not started');
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, { start: BigInt(o.low), end: BigInt(o.high) }]));
    },
  };
}

/**
 * kafkajs's message as the runtime's record. Only its key, value and headers are kept (not the message object);
 * headers are normalised to byte arrays only when read (a dead letter or a parked event keeps them). A class, so
 * that the lazy getter lives once on the prototype rather than as a closure per record.
 */
class KafkajsRecord implements RawMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  #rawHeaders: IHeaders | undefined;
  #headers: Record<string, Buffer[]> | undefined;

  constructor(topic: string, partition: number, message: KafkaMessage) {
    this.topic = topic;
    this.partition = partition;
    this.offset = BigInt(message.offset);
    this.key = message.key ?? null;
    this.value = message.value ?? null;
    this.timestamp = Number(message.timestamp);
    this.#rawHeaders = message.headers;
  }

  get headers(): Record<string, Buffer[]> {
    return (this.#headers ??= normaliseHeaders(this.#rawHeaders));
  }
}

function normaliseHeaders(headers: IHeaders | undefined): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[name] = values.map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v))));
  }
  return out;
}
