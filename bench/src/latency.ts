import * as hdr from 'hdr-histogram-js';

/** A partition's stored next_offset as the poller saw it change: times (epoch ms) and values, both increasing. */
export interface OffsetTrace {
  readonly times: number[];
  readonly nextOffsets: number[];
}

/** Sent events: intended send time, partition and offset (NaN when the send failed). */
export interface SentEvents {
  readonly intended: Float64Array;
  readonly partition: Int32Array;
  readonly offset: Float64Array;
}

export interface LatencySummary {
  /** Events in the histogram (intended after the warm-up). */
  readonly count: number;
  /**
   * Events sent but not seen committed (or whose send failed). With `observedUntil`, those that were sent are in
   * the histogram at observedUntil - intended: a lower bound of their latency, so a tail is never cut off.
   */
  readonly missing: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/** When `offset` was first seen committed: the first observation whose next_offset is beyond it. */
export function commitTime(trace: OffsetTrace, offset: number): number | undefined {
  let lo = 0;
  let hi = trace.nextOffsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (trace.nextOffsets[mid]! > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo < trace.times.length ? trace.times[lo] : undefined;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** When the event at (partition, offset) reached the database; undefined when it never did (or is unknown). */
export type ArrivalLookup = (partition: number, offset: number) => number | undefined;

/** Commit times from the poller's traces. */
export function commitLookup(traces: ReadonlyMap<number, OffsetTrace>): ArrivalLookup {
  return (partition, offset) => {
    const trace = traces.get(partition);
    return trace ? commitTime(trace, offset) : undefined;
  };
}

/** p50 and p99 of a set of durations, in ms. */
export interface Percentiles {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Microsecond values from 1 µs to an hour, 3 significant digits: the histogram of every latency figure here. */
const newHistogram = () =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
/** At least 1 µs: two processes' clocks can disagree by a fraction of a millisecond. */
const recordMs = (histogram: hdr.Histogram, ms: number) => histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
const msAt = (histogram: hdr.Histogram, percentile: number) => round(histogram.getValueAtPercentile(percentile) / 1000);

/** p50 and p99 of some durations in ms, from the same kind of histogram as the latencies. */
export function percentilesOf(durationsMs: Iterable<number>): Percentiles {
  const histogram = newHistogram();
  for (const ms of durationsMs) recordMs(histogram, ms);
  const result = { p50Ms: msAt(histogram, 50), p99Ms: msAt(histogram, 99) };
  histogram.destroy();
  return result;
}

/**
 * Latency from each event's intended send time to when `arrivedAt` says it reached the database (by default:
 * the commit that moved its partition past it), for every event intended at or after `fromAt`, in an HDR
 * histogram (microsecond values, 3 significant digits).
 */
export function latencySummary(
  sent: SentEvents,
  arrivedAt: ArrivalLookup,
  fromAt: number,
  observedUntil?: number,
): LatencySummary {
  const histogram = newHistogram();
  let missing = 0;
  for (let i = 0; i < sent.intended.length; i++) {
    const intended = sent.intended[i]!;
    if (intended < fromAt) continue;
    const offset = sent.offset[i]!;
    const committed = Number.isNaN(offset) ? undefined : arrivedAt(sent.partition[i]!, offset);
    if (committed === undefined) {
      missing++;
      // Not seen by the end of the observation: it took at least that long, so it still counts (a lower bound).
      if (observedUntil !== undefined && !Number.isNaN(offset)) recordMs(histogram, observedUntil - intended);
      continue;
    }
    recordMs(histogram, committed - intended);
  }
  const summary: LatencySummary = {
    count: histogram.totalCount,
    missing,
    p50Ms: msAt(histogram, 50),
    p90Ms: msAt(histogram, 90),
    p99Ms: msAt(histogram, 99),
    p999Ms: msAt(histogram, 99.9),
    maxMs: round(histogram.maxValue / 1000),
    meanMs: round(histogram.mean / 1000),
  };
  histogram.destroy();
  return summary;
}
