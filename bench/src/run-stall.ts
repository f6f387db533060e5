import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { createArmSchema } from './arm-schema.ts';
import type { BenchContext } from './bench-context.ts';
import { benchGroup } from './consumer-groups.ts';
import { withTimeout } from './bench-resources.ts';
import { epochNow, sleep } from './clock.ts';
import { checkLedger } from './ledger-check.ts';
import type { LoadResult } from './load-protocol.ts';
import { storedOffsets, waitForClaims } from './offsets-watch.ts';
import { createBenchTopic, registerSchemas, topicEnds } from './produce-backlog.ts';
import { readMemory } from './process-stats.ts';
import { startLoad } from './run-load.ts';
import { spawnSprConsumer } from './spr-consumer-process.ts';
import { startStatsRefresher } from './stats-refresher.ts';
import { median } from './stats.ts';

export interface StallRun {
  readonly stallSec: number;
  /** Median RSS in the second half of the steady phase (the fixed latency rate, consumer keeping up). */
  readonly steadyRssMb: number;
  /** Highest RSS sampled (every 250 ms) while the lock was held. */
  readonly peakRssMbDuringStall: number;
  /** VmHWM once the stall is over: the peak whatever the sampling missed. */
  readonly hwmMbAfterStall: number;
  readonly steadyRatePerSec: number;
  /** Producing rate aimed at (a multiple of O's drain rate) and achieved. */
  readonly targetRatePerSec: number;
  readonly achievedRatePerSec: number;
  readonly producedDuringStall: number;
  readonly paused: boolean;
  readonly pauseReason?: string;
  readonly resumed: boolean;
  /** Seconds from releasing the lock to the group reaching the log end (undefined: not within the bound). */
  readonly drainSecondsAfterStall?: number;
  /** Events committed per second from releasing the lock to the end of the drain (or of its bound). */
  readonly drainRatePerSecAfterStall: number;
  /** Backpressure pauses logged after the lock was released (each one stops fetching until "healthy again"). */
  readonly pausesAfterStall: number;
  /** The consumer's pause and resume log lines (the first 30): seconds since the stall began, reason, signals. */
  readonly backpressureTimeline: ReadonlyArray<{
    readonly atSec: number;
    readonly event: string;
    readonly reason: string;
    readonly signals?: unknown;
  }>;
  readonly duplicatesInLedger: number;
  /** Unique events acknowledged by Kafka (steady phase and stall), and those the ledger recorded. */
  readonly uniqueSent: number;
  readonly processed: number;
  /** uniqueSent - processed once drained (undefined when the drain did not finish within its bound). */
  readonly lost?: number;
}

/** Events per payment in load runs (long lifecycles, like the backlog). */
const EVENTS_PER_PAYMENT = 50;

/**
 * The memory check of docs/design.md §4/§7: the consumer keeps up with a steady load, then a transaction holds
 * `lock table payments in exclusive mode` for the stall while events arrive at `rateFactor` times O's drain
 * rate. RSS is sampled throughout; afterwards the lock is released, the backlog drains, and the ledger is checked.
 */
export async function runStall(ctx: BenchContext, kafka: Kafka, oRatePerSec: number): Promise<StallRun> {
  const { options, stack } = ctx;
  const { partitions } = options.backlog;
  const { steadySec, stallSec, rateFactor } = options.stall;
  const topic = await createBenchTopic(ctx, kafka, 'stall', partitions);
  await registerSchemas(ctx, topic);
  const schema = await createArmSchema(stack.databaseUrl, 'stall');
  const undoSchema = ctx.resources.defer(`drop schema ${schema.schema}`, () => schema.drop());
  const pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const groupId = benchGroup(ctx, 'stall');
  const consumer = spawnSprConsumer(ctx, {
    env: { DATABASE_URL: schema.databaseUrl, PAYMENTS_TOPIC: topic, CONSUMER_GROUP: groupId, LOG_LEVEL: 'info' },
  });
  const steadyRate = options.latency.fixedRatePerSec;
  const stallRate = Math.round(oRatePerSec * rateFactor);
  const loadFor = (ratePerSec: number, durationSec: number, idPrefix: string, seed: number) => {
    const events = Math.ceil(ratePerSec * durationSec);
    return startLoad(ctx, {
      kafkaBrokers: stack.kafkaBrokers,
      schemaRegistryUrl: stack.schemaRegistryUrl,
      topic,
      partitions,
      ratePerSec,
      durationSec,
      backlog: {
        ...options.backlog,
        events,
        payments: Math.max(1, Math.floor(events / EVENTS_PER_PAYMENT)),
        idPrefix,
        seed,
      },
      record: false,
    });
  };
  const steady = loadFor(steadyRate, steadySec, 'steady', options.backlog.seed + 1);
  const stalled = loadFor(stallRate, stallSec, 'stall', options.backlog.seed + 2);
  const samples: Array<{ at: number; rssMb: number }> = [];
  const sampler = setInterval(() => {
    const memory = readMemory(consumer.pid);
    if (memory) samples.push({ at: epochNow(), rssMb: memory.rssMb });
  }, 250);
  const locker = new pg.Client({ connectionString: schema.databaseUrl, application_name: 'spr-bench-stall' });
  locker.on('error', () => undefined);
  let releaseLock: (() => Promise<void>) | undefined;
  const refresher = await startStatsRefresher(schema.databaseUrl);
  try {
    await waitForClaims(pool, groupId, topic, partitions, consumer, 60_000);
    await withTimeout(Promise.all([steady.ready, stalled.ready]), 60_000, 'the load producers getting ready');
    ctx.log(`  stall: steady load at ${steadyRate.toLocaleString('en-US')}/s for ${steadySec} s`);
    const steadyStart = epochNow();
    steady.go();
    const steadyResult = await withTimeout(steady.result, (steadySec + 120) * 1000, 'the steady load');
    const steadyEnd = epochNow();
    const steadyRss = median(
      samples
        .filter((s) => s.at >= steadyStart + (steadyEnd - steadyStart) / 2 && s.at <= steadyEnd)
        .map((s) => s.rssMb),
    );

    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table payments in exclusive mode');
    releaseLock = async () => {
      releaseLock = undefined;
      await locker.query('commit');
    };
    const undoLock = ctx.resources.defer('release the stall lock', () => locker.end());
    const stallStart = epochNow();
    ctx.log(
      `  stall: payments locked for ${stallSec} s while producing at ${stallRate.toLocaleString('en-US')}/s (${rateFactor}x O's drain rate)`,
    );
    stalled.go();
    await sleep(stallSec * 1000, ctx.signal);
    await releaseLock();
    const stallEnd = epochNow();
    const committedAtRelease = [...(await storedOffsets(pool, groupId, topic)).values()].reduce((a, b) => a + b, 0);
    undoLock();
    const peak = Math.max(0, ...samples.filter((s) => s.at >= stallStart && s.at <= stallEnd).map((s) => s.rssMb));
    const hwm = readMemory(consumer.pid)?.hwmMb ?? 0;
    const produced: LoadResult = await withTimeout(stalled.result, 180_000, 'the stall load');
    ctx.log(
      `  stall: lock released; ${produced.sent.toLocaleString('en-US')} events produced during the stall (${produced.achievedRatePerSec.toLocaleString('en-US')}/s); draining`,
    );

    const ends = await topicEnds(kafka, topic);
    const backlogLeft = [...ends.values()].reduce((a, b) => a + b, 0);
    const drainBoundMs = options.stallDrainSec * 1000;
    const drain = await drainAfterStall(
      pool,
      groupId,
      topic,
      ends,
      { at: stallEnd, committed: committedAtRelease },
      drainBoundMs,
      ctx.signal,
    );
    if (drain.seconds === undefined)
      ctx.log(
        `  stall: not drained ${Math.round(drainBoundMs / 1000)} s after the lock was released (${drain.committed.toLocaleString('en-US')} of ${backlogLeft.toLocaleString('en-US')} committed)`,
      );
    const lines = consumer.lines();
    const pauses = lines.filter((l) => /^pausing fetches/.test(String(l.message)));
    const paused = pauses[0];
    const resumed = lines.some((l) => /^resuming fetches/.test(String(l.message)));
    await consumer.stop();
    const unique = steadyResult.acked - steadyResult.redeliveries + produced.acked - produced.redeliveries;
    const check = await checkLedger(pool, groupId, { unique, expectedLegs: 0, refundedMinor: '0' });
    return {
      stallSec,
      steadyRssMb: Math.round(steadyRss),
      peakRssMbDuringStall: Math.round(peak),
      hwmMbAfterStall: Math.round(hwm),
      steadyRatePerSec: steadyRate,
      targetRatePerSec: stallRate,
      achievedRatePerSec: produced.achievedRatePerSec,
      producedDuringStall: produced.sent,
      paused: paused !== undefined,
      pauseReason: paused ? String(paused.reason ?? '') : undefined,
      resumed,
      drainSecondsAfterStall: drain.seconds,
      drainRatePerSecAfterStall: drain.ratePerSec,
      pausesAfterStall: pauses.filter((l) => Date.parse(String(l.time)) > stallEnd).length,
      backpressureTimeline: lines
        .filter((l) => /^(pausing|resuming) fetches/.test(String(l.message)))
        .slice(0, 30)
        .map((l) => ({
          atSec: Math.round((Date.parse(String(l.time)) - stallStart) / 100) / 10,
          event: String(l.message),
          reason: String(l.reason ?? ''),
          signals: l.signals,
        })),
      duplicatesInLedger: check.duplicatesInLedger,
      uniqueSent: unique,
      processed: check.processed,
      lost: drain.seconds === undefined ? undefined : unique - check.processed,
    };
  } finally {
    clearInterval(sampler);
    await refresher.stop();
    await releaseLock?.().catch(() => undefined);
    await locker.end().catch(() => undefined);
    await Promise.all([steady.close(), stalled.close()]);
    await consumer.stop();
    await pool.end();
    await schema.drop();
    undoSchema();
  }
}

/** Polls the group's progress after the stall until it reaches `ends` or `boundMs` passes; never throws on the bound. */
async function drainAfterStall(
  pool: pg.Pool,
  groupId: string,
  topic: string,
  ends: ReadonlyMap<number, number>,
  release: { readonly at: number; readonly committed: number },
  boundMs: number,
  signal: AbortSignal,
) {
  const from = release.at;
  const committedNow = async () => {
    const stored = await storedOffsets(pool, groupId, topic);
    let committed = 0;
    let done = true;
    for (const [partition, end] of ends) {
      const next = stored.get(partition) ?? 0;
      committed += Math.min(next, end);
      if (next < end) done = false;
    }
    return { committed, done };
  };
  let last = await committedNow();
  while (!last.done && epochNow() - from < boundMs && !signal.aborted) {
    await sleep(200);
    last = await committedNow();
  }
  const seconds = (epochNow() - from) / 1000;
  return {
    seconds: last.done ? Math.round(seconds * 10) / 10 : undefined,
    committed: last.committed,
    ratePerSec: Math.round((last.committed - release.committed) / seconds),
  };
}
