import { randomUUID } from 'node:crypto';
import type { PaymentCodec, PaymentEvent } from '@spr/contracts';
import type { Kafka } from 'kafkajs';

/** One event as the log holds it, at its first position (later copies are redeliveries). */
export interface LoggedEvent {
  readonly event: PaymentEvent;
  readonly partition: number;
  readonly offset: bigint;
}

export interface LogFacts {
  /** Per partition, the end offset when reading started (records at or past it are not looked at). */
  readonly endOffsets: ReadonlyMap<number, bigint>;
  readonly records: number;
  /** Distinct events by id, at their first position. */
  readonly events: ReadonlyMap<string, LoggedEvent>;
  /** Records that do not decode (they belong in dead_letters). */
  readonly undecodable: number;
}

/**
 * Reads the topic from its start up to the end offsets of the moment it starts, with a group of its own that is
 * deleted afterwards (the consumer's group and its offsets are never touched). Decoding goes through the schema
 * registry; a record that cannot be decoded is counted, not fatal.
 */
export async function readLog(
  kafka: Kafka,
  topic: string,
  codec: PaymentCodec,
  onProgress: (read: number, total: number) => void = () => undefined,
): Promise<LogFacts> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `spr-reconciler-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const endOffsets = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    const startOffsets = new Map(offsets.map((o) => [o.partition, BigInt(o.low)]));
    const total = offsets.reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0);
    const events = new Map<string, LoggedEvent>();
    let records = 0;
    let undecodable = 0;
    const remaining = new Set(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => o.partition));
    if (remaining.size > 0) {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const end = endOffsets.get(batch.partition)!;
              for (const message of batch.messages) {
                const offset = BigInt(message.offset);
                if (offset >= end || offset < startOffsets.get(batch.partition)!) continue;
                records++;
                const decoded =
                  codec.decodeCached(message.value ?? null) ?? (await codec.decode(message.value ?? null));
                if (!decoded.ok) {
                  if (decoded.retriable) throw new Error(`the schema registry is unavailable: ${decoded.error}`);
                  undecodable++;
                } else if (!events.has(decoded.event.payload.event_id)) {
                  events.set(decoded.event.payload.event_id, {
                    event: decoded.event,
                    partition: batch.partition,
                    offset,
                  });
                }
              }
              if (records % 10_000 < batch.messages.length) onProgress(records, total);
              if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      });
    }
    onProgress(records, total);
    return { endOffsets, records, events, undecodable };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
