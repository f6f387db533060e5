/**
 * Arm F, the floor: the thinnest consumer of the parts O is made of. kafkajs `eachBatch` with the runtime's
 * fetch settings, auto-commit off, and per partition batch ONE PostgreSQL transaction with synchronous commit
 * on: the batch's records into a plain table with `unnest`, and the partition's next offset upserted into
 * `consumer_offsets`, the table of the real migrations, so the benchmark's offset poller and drain watcher read F
 * exactly as they read O. No decode, no dedupe, no fold, no fencing, no Kafka commit: what O costs above F is
 * what the runtime adds to reading Kafka and committing to PostgreSQL.
 *
 * The transaction is one statement (the insert as a data-modifying CTE, the upsert as its main query), so it
 * costs one round trip: the floor of "one transaction per batch". That is why its SQL on consumer_offsets is its
 * own, the one statement outside the runtime's offset-store: the floor has no claim or fence to go through.
 */
import { EVENT_HEADERS, createKafkaClient, KAFKA_DEFAULTS } from '@spr/routing';
import type { Batch } from 'kafkajs';
import pg from 'pg';
import type { ChildArmConfig } from '../arm-protocol.ts';
import type { ArmReporter } from './arm-reporter.ts';
import { PARTITIONS_CONSUMED_CONCURRENTLY, runtimeConsumerConfig } from './runtime-fetch.ts';

/** Created by the benchmark in F's schema; `processed_at` (now() of the transaction) gives the "tx start" cross-check. */
export const FLOOR_TABLE_DDL = `create table floor_events (
  partition integer not null,
  "offset" bigint not null,
  event_id uuid,
  bytes integer not null,
  processed_at timestamptz not null default now()
)`;

/**
 * The partitions F was given start at offset 0 (fresh topic, fresh group, from the beginning): their rows exist
 * before the first batch, as O's claim makes them, so the benchmark can wait for F to be ready.
 */
const CLAIM = `insert into consumer_offsets (group_id, topic, partition, next_offset, first_offset)
  select $1, $2, p, 0, 0 from unnest($3::int[]) as p
  on conflict (group_id, topic, partition) do nothing`;

/** first_offset only matters when the batch beats the claim (its NOT NULL and next ≥ first checks hold either way). */
const WRITE_BATCH = `with batch as (
    insert into floor_events (partition, "offset", event_id, bytes)
    select $3::int, t.o, t.e, t.b from unnest($4::bigint[], $5::uuid[], $6::int[]) as t(o, e, b)
  )
  insert into consumer_offsets (group_id, topic, partition, next_offset, first_offset)
  values ($1, $2, $3::int, $7::bigint, $8::bigint)
  on conflict (group_id, topic, partition) do update set next_offset = excluded.next_offset, updated_at = now()`;

/** The arm's DATABASE_URL with synchronous_commit on for its sessions, whatever the server's default (as O's commits wait for the WAL flush). */
export function withSynchronousCommit(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set(
    'options',
    [url.searchParams.get('options'), '-c synchronous_commit=on'].filter(Boolean).join(' '),
  );
  return url.toString();
}

/** The statement's parameters for one partition batch (offsets as decimal strings, as kafkajs gives them). */
export function batchParameters(
  config: Pick<ChildArmConfig, 'groupId' | 'topic'>,
  batch: Pick<Batch, 'partition' | 'messages'>,
): unknown[] {
  const offsets = batch.messages.map((m) => m.offset);
  const eventIds = batch.messages.map((m) => m.headers?.[EVENT_HEADERS.eventId]?.toString() ?? null);
  const bytes = batch.messages.map((m) => m.value?.length ?? 0);
  const next = (BigInt(offsets.at(-1)!) + 1n).toString();
  return [config.groupId, config.topic, batch.partition, offsets, eventIds, bytes, next, offsets[0]];
}

/**
 * Runs F until the benchmark stops it (a drain reports done after `config.events`; a latency run never gets
 * there). A failed statement or claim ends the process through `fail`: retrying would hide it.
 */
export async function runFloorConsumer(
  config: ChildArmConfig,
  reporter: ArmReporter,
  fail: (error: unknown) => void,
): Promise<() => Promise<void>> {
  const pool = new pg.Pool({
    connectionString: withSynchronousCommit(config.databaseUrl),
    max: PARTITIONS_CONSUMED_CONCURRENTLY,
  });
  pool.on('error', () => undefined);
  const kafka = createKafkaClient({ ...KAFKA_DEFAULTS, brokers: config.kafkaBrokers, clientId: 'bench-f' });
  const consumer = kafka.consumer(runtimeConsumerConfig(config.groupId, config.fetch));
  // kafkajs emits GROUP_JOIN once the assignment is applied and before it fetches for it.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    pool.query(CLAIM, [config.groupId, config.topic, payload.memberAssignment[config.topic] ?? []]).catch(fail);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });
  let count = 0;
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      reporter.first();
      try {
        await pool.query({ name: 'floor-write-batch', text: WRITE_BATCH, values: batchParameters(config, batch) });
      } catch (error) {
        fail(error);
        throw error;
      }
      count += batch.messages.length;
      reporter.progress(count);
      if (count >= config.events) reporter.done(count);
    },
  });
  return async () => {
    await consumer.disconnect();
    await pool.end();
  };
}
