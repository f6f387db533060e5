/** What the runtime knows of one assigned partition at one moment. */
export interface PartitionProgressSample {
  readonly partition: number;
  /** Kafka's log end offset (high watermark). */
  readonly logEnd: bigint;
  /** The stored next offset in PostgreSQL: the truth of what is applied, whichever member applied it. */
  readonly storedOffset: bigint;
  /** Backpressure holds the partition on purpose: waiting is not a stall. */
  readonly pausedByBackpressure: boolean;
}

export interface StalledPartition {
  readonly partition: number;
  readonly storedOffset: bigint;
  readonly logEnd: bigint;
  /** How long it has had records beyond its stored offset without the stored offset moving. */
  readonly stalledForMs: number;
}

/**
 * Notices a partition that has work and makes no progress: records beyond its stored offset, a stored offset
 * that has not moved for `stallAfterMs`, and no backpressure pause to explain it. A member in that state looks
 * healthy to everything else (it owns its partitions, it heartbeats), so this is what turns readiness false.
 * Pure: the runtime feeds it samples and the time, and acts on what it returns.
 */
export interface ProgressWatchdog {
  /** Records one sample per assigned partition; partitions not in `samples` are forgotten. Returns the stalled ones. */
  observe(samples: readonly PartitionProgressSample[], now: number): StalledPartition[];
}

export function createProgressWatchdog(options: { readonly stallAfterMs: number }): ProgressWatchdog {
  /** Per partition: the stored offset last seen, and since when it has waited without progress. */
  const tracked = new Map<number, { storedOffset: bigint; waitingSince: number }>();

  return {
    observe(samples, now) {
      const seen = new Set<number>();
      const stalled: StalledPartition[] = [];
      for (const s of samples) {
        seen.add(s.partition);
        const previous = tracked.get(s.partition);
        const progressed = previous === undefined || previous.storedOffset !== s.storedOffset;
        const idle = s.storedOffset >= s.logEnd;
        const waitingSince = progressed || idle || s.pausedByBackpressure ? now : previous.waitingSince;
        tracked.set(s.partition, { storedOffset: s.storedOffset, waitingSince });
        if (now - waitingSince >= options.stallAfterMs) {
          stalled.push({
            partition: s.partition,
            storedOffset: s.storedOffset,
            logEnd: s.logEnd,
            stalledForMs: now - waitingSince,
          });
        }
      }
      for (const partition of tracked.keys()) if (!seen.has(partition)) tracked.delete(partition);
      return stalled;
    },
  };
}
