import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { createArmSchema, withClient } from './arm-schema.ts';
import { FLOOR_TABLE_DDL } from './arms/floor-consumer.ts';
import { epochNow } from './clock.ts';
import type { BenchContext } from './bench-context.ts';
import { benchGroup } from './consumer-groups.ts';
import type { ConsumerHandle } from './consumer-handle.ts';
import { withTimeout } from './bench-resources.ts';
import { checkLedger } from './ledger-check.ts';
import { commitLookup, latencySummary, type ArrivalLookup, type LatencySummary, type SentEvents } from './latency.ts';
import type { LoadResult } from './load-protocol.ts';
import { startOffsetPoller } from './offset-poller.ts';
import { waitForClaims, watchDrain } from './offsets-watch.ts';
import { createBenchTopic, registerSchemas, topicEnds } from './produce-backlog.ts';
import { cpuDelta, cpuSnapshot, readMemory } from './process-stats.ts';
import { startChildArm } from './run-child-arm.ts';
import { startLoad } from './run-load.ts';
import { runtimeFetchSettings } from './runtime-settings.ts';
import { spawnSprConsumer, type SprConsumerProcess } from './spr-consumer-process.ts';
import {
  readStageTimes,
  STAGE_TRACE_EVERY,
  STAGE_TRACE_EVERY_ENV,
  STAGE_TRACE_FILE_ENV,
  type StageReport,
} from './stage-trace.ts';
import { startStatsRefresher } from './stats-refresher.ts';

/** One open-loop run of one arm at one rate, as measured for O and F alike. */
export interface LatencyMeasurement extends LatencySummary {
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
  /**
   * Cross-check from the database's own clock: intended send time to the start of the transaction that recorded
   * the event (O: processed_events.processed_at, F: floor_events.processed_at, both now() of that transaction), a
   * lower bound of the commit latency. O's redeliveries have no row and are left out.
   */
  readonly txStartP50Ms: number;
  readonly txStartP99Ms: number;
}

/** O's run: the measurement, its ledger's duplicates, its backpressure and where its time went. */
export interface LatencyRun extends LatencyMeasurement {
  readonly duplicatesInLedger: number;
  /** Backpressure pauses the consumer logged during the run. */
  readonly pauses: number;
  /** Absent from results written before issue 13. */
  readonly stages?: StageReport;
}

/** F's run: the measurement alone (F has no ledger, no backpressure, no stage trace). */
export type FloorLatencyRun = LatencyMeasurement;

/** Events per payment in load runs (long lifecycles, like the backlog). */
const EVENTS_PER_PAYMENT = 50;

interface LatencyScope {
  readonly databaseUrl: string;
  readonly topic: string;
  readonly groupId: string;
}

/** What differs between O and F in a latency run; everything else (topic, load, poller, bounds) is shared. */
interface LatencySubject<H extends ConsumerHandle, Extra> {
  /** Prepares the arm's fresh schema and starts its consumer on the run's topic and group. */
  start(scope: LatencyScope): Promise<H>;
  /** The table whose processed_at is now() of the transaction that recorded each event. */
  readonly recordTable: 'processed_events' | 'floor_events';
  /** ANALYZE the ledger every few seconds, as for every arm that writes it (F does not). */
  readonly writesLedger: boolean;
  /** What only this arm reports, read once its consumer has stopped and before the schema is dropped. */
  finish(
    pool: pg.Pool,
    consumer: H,
    run: LatencyScope & { readonly sent: SentEvents; readonly fromAt: number },
  ): Promise<Extra>;
}

/**
 * O at a fixed open-loop rate: the payment consumer on a fresh topic, schema and group, writing a stage trace
 * into the run's work folder (read afterwards; "not measured" if the consumer does not write one).
 */
export function runLatency(ctx: BenchContext, kafka: Kafka, ratePerSec: number, label: string): Promise<LatencyRun> {
  const traceFile = resolve(join(ctx.workDir, 'stage-trace', `O-${Math.round(ratePerSec)}-per-sec.jsonl`));
  const subject: LatencySubject<SprConsumerProcess, Pick<LatencyRun, 'duplicatesInLedger' | 'pauses' | 'stages'>> = {
    recordTable: 'processed_events',
    writesLedger: true,
    async start(scope) {
      mkdirSync(dirname(traceFile), { recursive: true });
      rmSync(traceFile, { force: true });
      return spawnSprConsumer(ctx, {
        env: {
          DATABASE_URL: scope.databaseUrl,
          PAYMENTS_TOPIC: scope.topic,
          CONSUMER_GROUP: scope.groupId,
          CHUNK_MAX_EVENTS: String(ctx.options.chunkMaxEvents),
          [STAGE_TRACE_FILE_ENV]: traceFile,
          [STAGE_TRACE_EVERY_ENV]: String(STAGE_TRACE_EVERY),
        },
      });
    },
    async finish(pool, consumer, run) {
      const check = await checkLedger(pool, run.groupId, { unique: 0, expectedLegs: 0, refundedMinor: '0' });
      return {
        duplicatesInLedger: check.duplicatesInLedger,
        pauses: consumer.pauses(),
        stages: readStageTimes(traceFile, run.sent, run.fromAt, STAGE_TRACE_EVERY),
      };
    },
  };
  return measureLatency(ctx, kafka, ratePerSec, label, subject);
}

/** F at a fixed open-loop rate, with the same load, topic settings, poller and bounds as O's run at that rate. */
export function runFloorLatency(
  ctx: BenchContext,
  kafka: Kafka,
  ratePerSec: number,
  label: string,
): Promise<FloorLatencyRun> {
  return measureLatency(ctx, kafka, ratePerSec, label, {
    recordTable: 'floor_events',
    writesLedger: false,
    async start(scope) {
      await withClient(scope.databaseUrl, (c) => c.query(FLOOR_TABLE_DDL));
      const { stack, options } = ctx;
      return startChildArm(ctx, {
        arm: 'F',
        kafkaBrokers: stack.kafkaBrokers,
        schemaRegistryUrl: stack.schemaRegistryUrl,
        databaseUrl: scope.databaseUrl,
        topic: scope.topic,
        groupId: scope.groupId,
        partitions: options.backlog.partitions,
        events: Number.MAX_SAFE_INTEGER, // runs until stopped
        backlog: options.backlog,
        chunkMaxEvents: options.chunkMaxEvents,
        fetch: runtimeFetchSettings(),
      });
    },
    finish: async () => ({}),
  });
}

/**
 * Open-loop latency at a fixed rate: the arm's consumer runs on a fresh topic, schema and group; a child process
 * sends events at fixed intended times; a dedicated connection polls consumer_offsets every millisecond.
 * Latency is intended send time to the first poll that shows the event's partition past its offset.
 */
async function measureLatency<H extends ConsumerHandle, Extra>(
  ctx: BenchContext,
  kafka: Kafka,
  ratePerSec: number,
  label: string,
  subject: LatencySubject<H, Extra>,
): Promise<LatencyMeasurement & Extra> {
  const { options, stack } = ctx;
  const { partitions } = options.backlog;
  const topic = await createBenchTopic(ctx, kafka, 'latency', partitions);
  await registerSchemas(ctx, topic);
  const schema = await createArmSchema(stack.databaseUrl, 'lat');
  const undoSchema = ctx.resources.defer(`drop schema ${schema.schema}`, () => schema.drop());
  const pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const groupId = benchGroup(ctx, 'lat');
  const scope: LatencyScope = { databaseUrl: schema.databaseUrl, topic, groupId };
  const events = Math.ceil(ratePerSec * options.latency.durationSec);
  let consumer: H | undefined;
  const load = startLoad(ctx, {
    kafkaBrokers: stack.kafkaBrokers,
    schemaRegistryUrl: stack.schemaRegistryUrl,
    topic,
    partitions,
    ratePerSec,
    durationSec: options.latency.durationSec,
    // Seeded by the rate: O and F at the same rate get the same events on the same schedule.
    backlog: {
      ...options.backlog,
      events,
      payments: Math.max(1, Math.floor(events / EVENTS_PER_PAYMENT)),
      idPrefix: `lat${Math.round(ratePerSec)}`,
      seed: options.backlog.seed + Math.round(ratePerSec),
    },
    record: true,
  });
  const refresher = subject.writesLedger ? await startStatsRefresher(schema.databaseUrl) : undefined;
  try {
    consumer = await subject.start(scope);
    await waitForClaims(pool, groupId, topic, partitions, consumer, 60_000);
    await withTimeout(load.ready, 60_000, 'the load producer getting ready');
    const poller = await startOffsetPoller(schema.databaseUrl, groupId, topic, 1);
    const cpuBefore = cpuSnapshot(consumer.pid, stack.javaPids, stack.postgresPid);
    let result: LoadResult;
    let poll: Awaited<ReturnType<typeof poller.stop>>;
    try {
      load.go();
      ctx.log(
        `  ${label}: sending ${events.toLocaleString('en-US')} events at ${Math.round(ratePerSec).toLocaleString('en-US')}/s for ${options.latency.durationSec} s`,
      );
      result = await withTimeout(load.result, (options.latency.durationSec + 150) * 1000, 'the open-loop load');
      // Bounded: a consumer that cannot keep up leaves events unseen, counted at their lower bound below.
      const boundMs = Math.min(120_000, Math.max(10_000, 2 * options.latency.durationSec * 1000));
      await watchDrain(pool, {
        groupId,
        topic,
        ends: await topicEnds(kafka, topic),
        timeoutMs: boundMs,
        consumer,
        signal: ctx.signal,
        intervalMs: 20,
      }).catch((error: unknown) => {
        if (ctx.signal.aborted) throw error;
        ctx.log(
          `  ${label}: not drained ${boundMs / 1000} s after the load ended; events not seen count as at least that late`,
        );
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
    const txStart = latencySummary(sent, await transactionStarts(pool, subject.recordTable), fromAt);
    const extra = await subject.finish(pool, consumer, { ...scope, sent, fromAt });
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
      txStartP50Ms: txStart.p50Ms,
      txStartP99Ms: txStart.p99Ms,
      ...extra,
    };
  } finally {
    await refresher?.stop();
    await load.close();
    await consumer?.stop();
    await pool.end();
    await schema.drop();
    undoSchema();
  }
}

/** processed_at (now() of the recording transaction) of every event recorded, by partition and offset. */
async function transactionStarts(pool: pg.Pool, table: 'processed_events' | 'floor_events'): Promise<ArrivalLookup> {
  const { rows } = await pool.query<{ partition: number; offset: string; at: number }>(
    `select partition, "offset", extract(epoch from processed_at)::float8 * 1000 as at from ${table}`,
  );
  const byPartition = new Map<number, Map<number, number>>();
  for (const row of rows) {
    let offsets = byPartition.get(row.partition);
    if (!offsets) byPartition.set(row.partition, (offsets = new Map()));
    offsets.set(Number(row.offset), row.at);
  }
  return (partition, offset) => byPartition.get(partition)?.get(offset);
}
