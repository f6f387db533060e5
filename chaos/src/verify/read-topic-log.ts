import type { PaymentCodec } from '@spr/contracts';
import type { Kafka } from 'kafkajs';
import { uniqueChaosName } from '../chaos-names.ts';
import { ChaosError } from '../chaos-error.ts';
import { sleep } from '../wait-until.ts';
import type { LogRecord } from './log-record.ts';

const DECODE_ATTEMPTS = 20;

/**
 * Reads every record of `topic` up to its current end, with a consumer group of its own (deleted afterwards; the
 * consumer's group is never touched), and decodes each value with the codec. The verifier's view of the log.
 */
export async function readTopicLog(
  kafka: Kafka,
  topic: string,
  codec: PaymentCodec,
  options: { timeoutMs: number },
): Promise<LogRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = uniqueChaosName('chaos_verifier');
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * 1024 * 1024,
    sessionTimeout: 10_000,
  });
  try {
    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]),
    );
    const next = new Map([...ends].map(([partition, { low }]) => [partition, low]));
    const raw: Array<Omit<LogRecord, 'decoded'>> = [];
    const complete = () => [...ends].every(([partition, { high }]) => next.get(partition)! >= high);
    if (!complete()) {
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const high = ends.get(batch.partition)!.high;
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (offset < next.get(batch.partition)! || offset >= high) continue;
            raw.push({ partition: batch.partition, offset, key: m.key?.toString('utf8') ?? null, value: m.value });
            next.set(batch.partition, offset + 1n);
          }
          if (complete()) finish();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const behind = [...ends]
            .filter(([p, { high }]) => next.get(p)! < high)
            .map(([p, { high }]) => `partition ${p} at ${next.get(p)} of ${high}`);
          reject(
            new ChaosError(
              'TIMEOUT',
              `reading ${topic} took longer than ${options.timeoutMs / 1000} s (${behind.join(', ')})`,
            ),
          );
        }, options.timeoutMs);
      });
      try {
        await Promise.race([finished, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    const records: LogRecord[] = [];
    for (const r of raw) records.push({ ...r, decoded: await decode(codec, r.value) });
    return records;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function decode(codec: PaymentCodec, value: Buffer | null): Promise<LogRecord['decoded']> {
  for (let attempt = 1; ; attempt++) {
    const result = codec.decodeCached(value) ?? (await codec.decode(value));
    if (result.ok) return { ok: true, event: result.event };
    if (!result.retriable) return { ok: false, reason: result.reason };
    if (attempt >= DECODE_ATTEMPTS)
      throw new ChaosError('TIMEOUT', `the verifier could not reach the schema registry: ${result.error}`);
    await sleep(500);
  }
}
