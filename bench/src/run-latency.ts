import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { createArmSchema } from './arm-schema.ts';
import { epochNow } from './clock.ts';
import type { BenchContext } from './bench-context.ts';
import { benchGroup } from './consumer-groups.ts';
import { withTimeout } from './bench-resources.ts';
import { checkLedger } from './ledger-check.ts';
import { commitLookup, latencySummary, type ArrivalLookup, type LatencySummary } from './latency.ts';
import type { LoadResult } from './load-protocol.ts';
import { startOffsetPoller } from './offset-poller.ts';
import { waitForClaims, watchDrain } from './offsets-watch.ts';
import { createBenchTopic, registerSchemas, topicEnds } from './produce-backlog.ts';
import { cpuDelta, cpuSnapshot, readMemory } from './process-stats.ts';
import { startLoad } from './run-load.ts';
import { spawnSprConsumer } from './spr-consumer-process.ts';
import { startStatsRefresher } from './stats-refresher.ts';

export interface LatencyRun extends LatencySummary {
  readonly ratePerSec: number;
  readonly achievedRatePerSec: number;
  readonly sent: number;
  /** How far the open-loop sender fell behind its schedule at worst (counted in the latencies). */
  readonly maxSenderBehindMs: number;
  /** The commit-time resolution: mean and p99 time between two polls of consumer_offsets. */
  readonly pollMeanMs: number;
  readonly pollP99Ms: number;
  readonly nodeCpuUsPerEvent: number;
  readonly peakRssMb: number;
  readonly duplicatesInLedger: number;
  /**
   * Cross-check from the database's own clock: intended send time to the start of the chunk transaction that
   * recorded the event (processed_events.processed_at is now() of that transaction), a lower bound of the
   * commit latency. Redeliveries have no row and are left out.
   */
  readonly txStartP50Ms: number;
  readonly txStartP99Ms: number;
  /** Backpressure pauses the consumer logged during the run. */
  readonly pauses: number;
}

/** Events per payment in load runs (long lifecycles, like the backlog). */
const EVENTS_PER_PAYMENT = 50;

/**
 * Open-loop latency at a fixed rate: the consumer runs on a fresh topic, schema and group; a child process sends
 * events at fixed intended times; a dedicated connection polls consumer_offsets every millisecond. Latency is
 * intended send time to the first poll that shows the event's partition past its offset.
 */
export async function runLatency(ctx: BenchContext, kafka: Kafka, ratePerSec: number, label: string): Promise<LatencyRun> {
  const { options, stack } = ctx;
  const { partitions } = options.backlog;
  const topic = await createBenchTopic(ctx, kafka, 'latency', partitions);
  await registerSchemas(ctx, topic);
  const schema = await createArmSchema(stack.databaseUrl, 'lat');
  const undoSchema = ctx.resources.defer(`drop schema ${schema.schema}`, () => schema.drop());
  const pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const groupId = benchGroup(ctx, 'lat');
  const consumer = spawnSprConsumer(ctx, { env: { DATABASE_URL: schema.databaseUrl, PAYMENTS_TOPIC: topic, CONSUMER_GROUP: groupId, CHUNK_MAX_EVENTS: String(options.chunkMaxEvents) } });
  const events = Math.ceil(ratePerSec * options.latency.durationSec);
  const load = startLoad(ctx, {
    kafkaBrokers: stack.kafkaBrokers,
    schemaRegistryUrl: stack.schemaRegistryUrl,
    topic,
    partitions,
    ratePerSec,
    durationSec: options.latency.durationSec,
    backlog: { ...options.backlog, events, payments: Math.max(1, Math.floor(events / EVENTS_PER_PAYMENT)), idPrefix: `lat${Math.round(ratePerSec)}`, seed: options.backlog.seed + Math.round(ratePerSec) },
    record: true,
  });
  const refresher = await startStatsRefresher(schema.databaseUrl);
  try {
    await waitForClaims(pool, groupId, topic, partitions, consumer, 60_000);
    await withTimeout(load.ready, 60_000, 'the load producer getting ready');
    const poller = await startOffsetPoller(schema.databaseUrl, groupId, topic, 1);
    const cpuBefore = cpuSnapshot(consumer.pid, stack.javaPids, stack.postgresPid);
    let result: LoadResult;
    let poll: Awaited<ReturnType<typeof poller.stop>>;
    try {
      load.go();
      ctx.log(`  ${label}: sending ${events.toLocaleString('en-US')} events at ${Math.round(ratePerSec).toLocaleString('en-US')}/s for ${options.latency.durationSec} s`);
      result = await withTimeout(load.result, (options.latency.durationSec + 150) * 1000, 'the open-loop load');
      // Bounded: a consumer that cannot keep up leaves events unseen, counted at their lower bound below.
      const boundMs = Math.min(120_000, Math.max(10_000, 2 * options.latency.durationSec * 1000));
      await watchDrain(pool, { groupId, topic, ends: await topicEnds(kafka, topic), timeoutMs: boundMs, consumer, signal: ctx.signal, intervalMs: 20 }).catch((error: unknown) => {
        if (ctx.signal.aborted) throw error;
        ctx.log(`  ${label}: not drained ${boundMs / 1000} s after the load ended; events not seen count as at least that late`);
      });
    } finally {
      poll = await poller.stop();
    }
    const observedUntil = epochNow();
    const cpu = cpuDelta(cpuBefore, cpuSnapshot(consumer.pid, stack.javaPids, stack.postgresPid));
    const peak = readMemory(consumer.pid)?.hwmMb ?? 0;
    await consumer.stop();
    const sent = { intended: result.intended!, partition: result.partition!, offset: result.offset! };
    const fromAt = result.startAt + options.latency.warmupSec * 1000;
    const summary = latencySummary(sent, commitLookup(poll.traces), fromAt, observedUntil);
    const txStart = latencySummary(sent, await transactionStarts(pool), fromAt);
    const check = await checkLedger(pool, groupId, { unique: 0, expectedLegs: 0, refundedMinor: '0' });
    return {
      ...summary,
      ratePerSec: Math.round(ratePerSec),
      achievedRatePerSec: result.achievedRatePerSec,
      sent: result.sent,
      maxSenderBehindMs: result.maxBehindMs,
      pollMeanMs: poll.cycleMeanMs,
      pollP99Ms: poll.cycleP99Ms,
      nodeCpuUsPerEvent: result.sent > 0 ? Math.round((cpu.node * 1e6) / result.sent) : 0,
      peakRssMb: Math.round(peak),
      duplicatesInLedger: check.duplicatesInLedger,
      txStartP50Ms: txStart.p50Ms,
      txStartP99Ms: txStart.p99Ms,
      pauses: consumer.pauses(),
    };
  } finally {
    await refresher.stop();
    await load.close();
    await consumer.stop();
    await pool.end();
    await schema.drop();
    undoSchema();
  }
}

/** processed_at (now() of the recording transaction) of every event recorded, by partition and offset. */
async function transactionStarts(pool: pg.Pool): Promise<ArrivalLookup> {
  const { rows } = await pool.query<{ partition: number; offset: string; at: number }>('select partition, "offset", extract(epoch from processed_at)::float8 * 1000 as at from processed_events');
  const byPartition = new Map<number, Map<number, number>>();
  for (const row of rows) {
    let offsets = byPartition.get(row.partition);
    if (!offsets) byPartition.set(row.partition, (offsets = new Map()));
    offsets.set(Number(row.offset), row.at);
  }
  return (partition, offset) => byPartition.get(partition)?.get(offset);
}
