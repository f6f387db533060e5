/**
 * Arm N: the seed article's consumer (docs/design.md §3), reproduced as the article has it: kafkajs
 * `eachMessage` with auto-commit, one INSERT (one autocommitted PostgreSQL transaction) per event, and the
 * article's "local idempotency window": an in-memory Map with a 5-minute TTL, keyed by the sha256 of
 * topic-partition-offset, checked and then set. Its pool settings are the article's too. Only connection
 * details differ (the benchmark's stack and schema), and the table: the article's `INSERT INTO payments ...`
 * with `[message.value]` is elided there, so here it writes the raw value plus the event id, type and seq from
 * the SPR headers (no decode) into `naive_payment_events`, a table without any unique key, as in the article.
 *
 * The flaw this arm measures besides its rate: a redelivery (the same event sent again by a producer retry or
 * an outbox re-publish) sits at a new offset, so its key differs and it passes the window; the ledger gets it
 * twice. The function names below are the article's.
 */
import { createHash } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type { ChildArmConfig } from '../arm-protocol.ts';
import type { ArmReporter } from './arm-reporter.ts';

export const NAIVE_TABLE_DDL = `create table naive_payment_events (
  id bigserial primary key,
  event_id uuid not null,
  entity_key text,
  seq bigint,
  event_type text,
  topic text not null,
  partition integer not null,
  "offset" bigint not null,
  value bytea,
  inserted_at timestamptz not null default now()
)`;

export async function runNaiveConsumer(config: ChildArmConfig, reporter: ArmReporter): Promise<() => Promise<void>> {
  // The article's pool: max 20, 30 s idle timeout, 2 s connection timeout.
  const db = new pg.Pool({
    connectionString: config.databaseUrl,
    max: 20,
    idleTimeoutMillis: 30000,
    connectionTimeoutMillis: 2000,
  });
  db.on('error', () => undefined);

  // Local idempotency cache with 5-minute TTL
  const idempotencyCache = new Map<string, number>();
  const CACHE_TTL_MS = 5 * 60 * 1000;

  function generateIdempotencyKey(topic: string, partition: number, offset: number): string {
    return createHash('sha256').update(`${topic}-${partition}-${offset}`).digest('hex');
  }

  function isDuplicate(key: string): boolean {
    const now = Date.now();
    if (idempotencyCache.has(key)) {
      const timestamp = idempotencyCache.get(key)!;
      if (now - timestamp < CACHE_TTL_MS) return true;
      idempotencyCache.delete(key);
    }
    idempotencyCache.set(key, now);
    return false;
  }

  const kafka = new Kafka({
    clientId: 'order-processor-v2',
    brokers: [...config.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: config.groupId });
  let count = 0;
  let skipped = 0;
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    eachMessage: async ({ topic, partition, message }) => {
      // The benchmark drains only the first `events` (the arm's rate is what counts); later messages are ignored.
      if (count >= config.events) return;
      reporter.first();
      const key = generateIdempotencyKey(topic, partition, Number(message.offset));
      if (isDuplicate(key)) {
        skipped++;
      } else {
        const header = (name: string) => message.headers?.[name]?.toString();
        await db.query(
          'INSERT INTO naive_payment_events (event_id, entity_key, seq, event_type, topic, partition, "offset", value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [
            header('spr-event-id'),
            message.key?.toString() ?? null,
            header('spr-seq'),
            header('spr-event-type'),
            topic,
            partition,
            message.offset,
            message.value,
          ],
        );
      }
      count++;
      reporter.progress(count);
      if (count >= config.events) {
        consumer.pause([{ topic }]);
        reporter.done(count);
      }
    },
  });
  await reporter.finished;
  if (skipped > 0) process.stderr.write(`[N] the article's window skipped ${skipped} messages\n`);
  return async () => {
    await consumer.disconnect();
    await db.end();
  };
}
