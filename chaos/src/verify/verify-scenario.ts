import { createPaymentCodec } from '@spr/contracts';
import { createSchemaRegistryClient } from '@spr/routing';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { readLedger } from './read-ledger.ts';
import { readTopicLog } from './read-topic-log.ts';
import { verifyLedger, type Verification } from './verify-ledger.ts';

export interface VerifyTarget {
  readonly kafka: Kafka;
  readonly pool: pg.Pool;
  readonly topic: string;
  readonly groupId: string;
  readonly schemaRegistryUrl: string;
}

/**
 * The independent verifier: reads the topic with its own reader and codec, reads the database with plain SQL, and
 * checks one against the other. Nothing of the consumer runs here.
 */
export async function verifyScenario(target: VerifyTarget): Promise<Verification> {
  const codec = createPaymentCodec({
    registry: createSchemaRegistryClient({ url: target.schemaRegistryUrl }),
    topic: target.topic,
  });
  const admin = target.kafka.admin();
  await admin.connect();
  let endOffsets: Map<number, bigint>;
  try {
    endOffsets = new Map((await admin.fetchTopicOffsets(target.topic)).map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
  const records = await readTopicLog(target.kafka, target.topic, codec, { timeoutMs: 120_000 });
  const snapshot = await readLedger(target.pool, { groupId: target.groupId, topic: target.topic });
  return verifyLedger(records, snapshot, { topic: target.topic, endOffsets });
}
