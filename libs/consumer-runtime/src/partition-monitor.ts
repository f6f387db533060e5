import type { Logger } from '@spr/observability';
import type pg from 'pg';
import type { KafkaDriver } from './kafka-driver.ts';
import { readPartitionOffsets, type PartitionClaim } from './offset-store.ts';
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
      const stalledForS = Math.round(s.stalledForMs / 1000);
      log.error(
        { ...s, ...options.describe(s.partition) },
        `partition ${s.partition} has records beyond its stored offset and made no progress for ${stalledForS} s; ` +
          'reporting not ready',
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
      // The claims as they stand before the read: a row may only be judged against the claim it could have seen.
      const claimsAtRead = new Map(lanes.map((l) => [l, l.claim]));
      const [stored, logOffsets] = await Promise.all([
        readPartitionOffsets(pool, groupId, topic, [...owned]),
        owned.size > 0 ? driver.offsets() : new Map(),
      ]);
      for (const lane of lanes) {
        if (lane.busy || lane.state !== 'running') continue;
        const verdict = judgeStoredOffset(claimsAtRead.get(lane), lane.claim, stored.get(lane.partition));
        if (verdict.kind === 'fenced') options.onFenced(lane, verdict.storedGeneration);
        else if (verdict.kind === 'moved') options.onMoved(lane, verdict.nextOffset);
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

export type StoredOffsetVerdict =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'fenced'; readonly storedGeneration: bigint }
  | { readonly kind: 'moved'; readonly nextOffset: bigint };

/**
 * What a stored row read by the monitor says about an idle lane. The read races with the lane's own claim and
 * chunk commits: a row read while the claim was still being written shows the previous generation, and one read
 * before a chunk committed shows an older offset. Either would pause a healthy partition for good (a false fence
 * waits for a rebalance that never comes). So the row is judged only if the lane's claim did not change while
 * it was read, and only a newer generation is another member's claim.
 */
export function judgeStoredOffset(
  claimAtRead: PartitionClaim | undefined,
  claimNow: PartitionClaim | undefined,
  row: PartitionClaim | undefined,
): StoredOffsetVerdict {
  if (!row || !claimNow || claimAtRead !== claimNow) return { kind: 'unchanged' };
  if (row.generation > claimNow.generation) return { kind: 'fenced', storedGeneration: row.generation };
  if (row.generation === claimNow.generation && row.nextOffset !== claimNow.nextOffset)
    return { kind: 'moved', nextOffset: row.nextOffset };
  return { kind: 'unchanged' };
}
