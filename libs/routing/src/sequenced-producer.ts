import type { Kafka, Message, Producer, RecordMetadata } from 'kafkajs';
import { compositeKey } from './composite-key.ts';
import { EVENT_HEADERS, isValidTraceparent, newTraceparent } from './headers.ts';
import { javaCompatiblePartitioner, partitionFor } from './partitioner.ts';
import { RoutingError } from './routing-error.ts';

/** One event of one entity, with its place in the entity's sequence. */
export interface SequencedRecord<E> {
  readonly entityType: string;
  readonly entityId: string;
  readonly seq: bigint;
  readonly eventId: string;
  readonly eventType: string;
  readonly correlationId: string;
  readonly traceparent?: string;
  readonly event: E;
}

/** Turns an event into its wire value (for SPR: Avro in the Confluent wire format, via the registry). */
export interface EventEncoder<E> {
  encode(event: E): Promise<{ readonly value: Buffer; readonly schemaId: number }>;
}

export interface SentRecord {
  readonly partition: number;
  readonly offset: bigint;
}

export interface ProducerBatching {
  /** Flush when this many messages wait. */
  readonly maxMessages: number;
  /** Flush when the waiting messages reach this many bytes. */
  readonly maxBytes: number;
  /** How long the first waiting message may wait for company. */
  readonly lingerMs: number;
  /** Bound on encoded bytes waiting or in flight; send() waits for room beyond it. */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_BATCHING: ProducerBatching = {
  maxMessages: 500,
  maxBytes: 1024 * 1024,
  lingerMs: 2,
  maxBufferedBytes: 16 * 1024 * 1024,
};

export interface SequencedProducerOptions<E> {
  readonly kafka: Kafka;
  readonly topic: string;
  /** The partition count the keys were planned for; sending to a topic with another count is refused. */
  readonly partitionCount: number;
  readonly encoder: EventEncoder<E>;
  readonly batching?: Partial<ProducerBatching>;
}

export interface SequencedProducer<E> {
  /** Connects and checks that the topic exists with the configured partition count. */
  start(): Promise<void>;
  /** Resolves once the broker has the record (acks=all), with where it landed. */
  send(record: SequencedRecord<E>): Promise<SentRecord>;
  /** Sends what is waiting, then disconnects. Idempotent. */
  stop(): Promise<void>;
  /** Requests sent, messages in them, and the most encoded bytes ever buffered at once. */
  readonly stats: { readonly batches: number; readonly messages: number; readonly peakBufferedBytes: number };
}

interface Pending {
  readonly message: Message & { partition: number };
  readonly bytes: number;
  readonly resolve: (sent: SentRecord) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A typed, keyed, idempotent producer. kafkajs has no linger, so concurrent send() calls are gathered here into
 * one request (up to `maxMessages` / `maxBytes`, or after `lingerMs`), with one request in flight at a time: a
 * later batch never overtakes an earlier one, and when a batch fails, the sends queued behind it fail too
 * (rather than land ahead of the events they follow). Memory is bounded by `maxBufferedBytes`.
 */
export function createSequencedProducer<E>(options: SequencedProducerOptions<E>): SequencedProducer<E> {
  const { kafka, topic, partitionCount, encoder } = options;
  const batching = { ...DEFAULT_BATCHING, ...options.batching };
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // kafkajs's idempotent producer keeps its sequence numbers only while it retries without limit.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
    allowAutoTopicCreation: false,
    createPartitioner: () => {
      const byKey = javaCompatiblePartitioner();
      return (args) => {
        // kafkajs refreshes topic metadata while running: a partition count change is caught per message.
        if (args.partitionMetadata.length !== partitionCount)
          throw partitionCountChanged(topic, partitionCount, args.partitionMetadata.length);
        return byKey(args);
      };
    },
  });

  let state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  const pending: Pending[] = [];
  let pendingBytes = 0;
  let bufferedBytes = 0;
  let inFlight: Promise<void> | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  const roomWaiters: Array<() => void> = [];
  const stats = { batches: 0, messages: 0, peakBufferedBytes: 0 };
  /** Resolves when the latest send has entered the queue; each send enters after the one before it. */
  let intake: Promise<void> = Promise.resolve();

  const flushSoon = () => {
    if (inFlight) return; // the in-flight batch's completion flushes what waits
    if (pending.length >= batching.maxMessages || pendingBytes >= batching.maxBytes || state === 'stopping') {
      flushNow();
    } else if (!lingerTimer && pending.length > 0) {
      lingerTimer = setTimeout(flushNow, batching.lingerMs);
    }
  };

  const flushNow = () => {
    clearTimeout(lingerTimer);
    lingerTimer = undefined;
    if (inFlight || pending.length === 0) return;
    const batch = pending.splice(0, batching.maxMessages);
    pendingBytes -= batch.reduce((sum, p) => sum + p.bytes, 0);
    stats.batches += 1;
    stats.messages += batch.length;
    inFlight = sendBatch(batch).finally(() => {
      inFlight = undefined;
      bufferedBytes -= batch.reduce((sum, p) => sum + p.bytes, 0);
      while (roomWaiters.length > 0 && bufferedBytes < batching.maxBufferedBytes) roomWaiters.shift()!();
      if (pending.length > 0) flushNow();
    });
  };

  const sendBatch = async (batch: Pending[]) => {
    let metadata: RecordMetadata[];
    try {
      metadata = await producer.send({ topic, acks: -1, messages: batch.map((p) => p.message) });
    } catch (error) {
      const failure =
        error instanceof RoutingError
          ? error
          : new RoutingError(
              'SEND_FAILED',
              `sending ${batch.length} events to '${topic}' failed: ${(error as Error).message}`,
              { retriable: true, cause: error, context: { topic } },
            );
      // Sends queued behind a failed batch must not overtake it.
      const behind = pending.splice(0);
      pendingBytes = 0;
      bufferedBytes -= behind.reduce((sum, p) => sum + p.bytes, 0);
      for (const p of [...batch, ...behind]) p.reject(failure);
      return;
    }
    // kafkajs answers one base offset per partition; messages of a partition got consecutive offsets in order.
    const next = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? '-1')]));
    for (const p of batch) {
      const offset = next.get(p.message.partition)!;
      next.set(p.message.partition, offset + 1n);
      p.resolve({ partition: p.message.partition, offset });
    }
  };

  return {
    async start() {
      if (state !== 'new') return;
      const admin = kafka.admin();
      await admin.connect();
      try {
        const topics = await admin.fetchTopicMetadata({ topics: [topic] }).catch((error: unknown) => {
          throw new RoutingError(
            'TOPIC_NOT_FOUND',
            `topic '${topic}' does not exist; create it with ${partitionCount} partitions`,
            { cause: error, context: { topic } },
          );
        });
        const actual = topics.topics[0]?.partitions.length ?? 0;
        if (actual !== partitionCount) throw partitionCountChanged(topic, partitionCount, actual);
      } finally {
        await admin.disconnect();
      }
      await producer.connect();
      state = 'started';
    },

    send(record) {
      if (state !== 'started') {
        return Promise.reject(
          new RoutingError(
            'PRODUCER_STOPPED',
            state === 'new' ? 'call start() before send()' : `the producer for '${topic}' is stopped`,
          ),
        );
      }
      let key: string;
      let partition: number;
      try {
        key = compositeKey({ entityType: record.entityType, entityId: record.entityId });
        // The partition is computed here (and checked again by the partitioner) so offsets can be attributed.
        partition = partitionFor(key, partitionCount);
      } catch (error) {
        return Promise.reject(error);
      }
      // Encoding starts now and runs concurrently with other sends; entering the queue happens strictly in call
      // order (after the previous send entered), so a send never overtakes an earlier one, even when the earlier
      // one waits for its schema to be registered or for buffer room.
      const encoded = encoder.encode(record.event);
      encoded.catch(() => undefined);
      const entered = intake.then(async () => {
        const { value, schemaId } = await encoded;
        const traceparent =
          record.traceparent && isValidTraceparent(record.traceparent) ? record.traceparent : newTraceparent();
        const headers = {
          [EVENT_HEADERS.eventId]: record.eventId,
          [EVENT_HEADERS.eventType]: record.eventType,
          [EVENT_HEADERS.seq]: record.seq.toString(),
          [EVENT_HEADERS.schemaId]: String(schemaId),
          [EVENT_HEADERS.correlationId]: record.correlationId,
          [EVENT_HEADERS.traceparent]: traceparent,
        };
        const bytes = value.length + key.length + 200;
        while (bufferedBytes + bytes > batching.maxBufferedBytes && bufferedBytes > 0) {
          await new Promise<void>((resolve) => roomWaiters.push(resolve));
        }
        bufferedBytes += bytes;
        stats.peakBufferedBytes = Math.max(stats.peakBufferedBytes, bufferedBytes);
        const acknowledged = new Promise<SentRecord>((resolve, reject) => {
          pending.push({ message: { key, value, headers, partition }, bytes, resolve, reject });
          pendingBytes += bytes;
          flushSoon();
        });
        // Wrapped, so that `entered` resolves when the record is queued, not when the broker acknowledges it.
        return { acknowledged };
      });
      // The next send enters once this one is queued (or failed).
      intake = entered.then(
        () => undefined,
        () => undefined,
      );
      return entered.then(({ acknowledged }) => acknowledged);
    },

    async stop() {
      if (state === 'stopped' || state === 'new') {
        state = 'stopped';
        return;
      }
      state = 'stopping';
      while (pending.length > 0 || inFlight) {
        flushNow();
        await inFlight;
      }
      await producer.disconnect();
      state = 'stopped';
    },

    get stats() {
      return { ...stats };
    },
  };
}

function partitionCountChanged(topic: string, expected: number, actual: number): RoutingError {
  return new RoutingError(
    'PARTITION_COUNT_CHANGED',
    `topic '${topic}' has ${actual} partitions but the producer is configured for ${expected}; ` +
      'keys would move to other partitions and per-entity order would break',
    { context: { topic, expected, actual } },
  );
}
