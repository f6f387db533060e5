import type { Logger } from '@spr/observability';
import type pg from 'pg';
import type { KafkaDriver } from './kafka-driver.ts';
import { readPartitionOffsets } from './offset-store.ts';
import type { PartitionLane } from './partition-lane.ts';
import { createProgressWatchdog, type PartitionProgressSample, type StalledPartition } from './progress-watchdog.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';

export interface PartitionMonitorOptions {
  readonly pool: pg.Pool;
  readonly driver: KafkaDriver;
  readonly groupId: string;
  readonly topic: string;
  readonly stallAfterMs: number;
  readonly metrics: RuntimeMetrics;
  readonly logger: Logger;
  /** Backpressure holds the partition on purpose (the database is slow): waiting is not a stall. */
  heldByBackpressure(partition: number): boolean;
  /** Another member claimed the partition (a newer generation in consumer_offsets). */
  onFenced(lane: PartitionLane, storedGeneration: bigint): void;
  /** The stored offset moved under the lane's claim (an operator's reset). */
  onMoved(lane: PartitionLane, nextOffset: bigint): void;
  /** Why a stalled partition may be stuck, for the log line that reports it. */
  describe(partition: number): Record<string, unknown>;
}

/**
 * Every few seconds, for the partitions this member owns, without waiting for traffic: reads the stored offsets
 * and Kafka's log end. It finds an operator's replay reset and another member's claim on idle partitions (a
 * chunk in flight learns the same from its own outcome), exports the lag (log end minus stored offset), and lets
 * the progress watchdog judge whether each partition with work is moving. Per-partition series of partitions
 * the member no longer owns are dropped.
 */
export interface PartitionMonitor {
  tick(lanes: readonly PartitionLane[]): Promise<void>;
  /** The partitions that have work and make no progress, as of the last tick. */
  stalled(): readonly StalledPartition[];
  /** Drops the series of partitions not in `owned` (called at every assignment, too). */
  forgetExcept(owned: ReadonlySet<number>): void;
}

export function createPartitionMonitor(options: PartitionMonitorOptions): PartitionMonitor {
  const { pool, driver, groupId, topic, metrics } = options;
  const log = options.logger;
  const watchdog = createProgressWatchdog({ stallAfterMs: options.stallAfterMs });
  const reported = new Set<number>();
  let stalled: StalledPartition[] = [];

  const forgetExcept = (owned: ReadonlySet<number>) => {
    for (const partition of reported) {
      if (owned.has(partition)) continue;
      const label = { partition: String(partition) };
      metrics.lag.remove(label);
      metrics.stalled.remove(label);
      metrics.queued.remove(label);
      reported.delete(partition);
    }
    stalled = stalled.filter((s) => owned.has(s.partition));
  };

  const report = (now: StalledPartition[], owned: ReadonlySet<number>) => {
    const before = new Set(stalled.map((s) => s.partition));
    for (const s of now) {
      metrics.stalled.set({ partition: String(s.partition) }, 1);
      if (before.has(s.partition)) continue;
      log.error(
        { ...s, ...options.describe(s.partition) },
        `partition ${s.partition} has records beyond its stored offset and made no progress for ${Math.round(s.stalledForMs / 1000)} s; reporting not ready`,
      );
    }
    const after = new Set(now.map((s) => s.partition));
    for (const partition of owned) {
      if (after.has(partition)) continue;
      metrics.stalled.set({ partition: String(partition) }, 0);
      if (before.has(partition)) log.info({ partition }, 'partition makes progress again');
    }
    stalled = now;
  };

  return {
    async tick(lanes) {
      const owned = new Set(lanes.map((l) => l.partition));
      const [stored, logOffsets] = await Promise.all([readPartitionOffsets(pool, groupId, topic, [...owned]), owned.size > 0 ? driver.offsets() : new Map()]);
      for (const lane of lanes) {
        const row = stored.get(lane.partition);
        const claim = lane.claim;
        if (!row || !claim || lane.busy || lane.state !== 'running') continue;
        if (row.generation !== claim.generation) options.onFenced(lane, row.generation);
        else if (row.nextOffset !== claim.nextOffset) options.onMoved(lane, row.nextOffset);
      }
      forgetExcept(owned);
      for (const lane of lanes) {
        metrics.queued.set({ partition: String(lane.partition) }, lane.queuedEvents);
        reported.add(lane.partition);
      }
      const samples: PartitionProgressSample[] = [];
      for (const partition of owned) {
        const storedOffset = stored.get(partition)?.nextOffset;
        const logEnd = logOffsets.get(partition)?.end;
        if (storedOffset === undefined || logEnd === undefined) continue;
        metrics.lag.set({ partition: String(partition) }, Number(logEnd - storedOffset));
        samples.push({ partition, logEnd, storedOffset, pausedByBackpressure: options.heldByBackpressure(partition) });
      }
      report(watchdog.observe(samples, Date.now()), owned);
    },
    stalled: () => stalled,
    forgetExcept,
  };
}
