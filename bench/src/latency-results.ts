import type { BenchResults, LatencyAtRate, LatencyHeadline } from './bench-results.ts';
import type { Percentiles } from './latency.ts';
import type { FloorLatencyRun, LatencyMeasurement, LatencyRun } from './run-latency.ts';
import type { StageReport } from './stage-trace.ts';

/** The fixed-rate run's percentiles on top of every run: the shape of `latency` and `latency.floor`. */
function headline<Run extends LatencyMeasurement>(
  runs: readonly Run[],
  fixedRatePerSec: number,
): LatencyHeadline<Run> | undefined {
  const fixed = runs.find((run) => run.ratePerSec === fixedRatePerSec);
  return (
    fixed && {
      ratePerSec: fixed.ratePerSec,
      p50Ms: fixed.p50Ms,
      p99Ms: fixed.p99Ms,
      p999Ms: fixed.p999Ms,
      byRate: runs,
    }
  );
}

/**
 * `latency` of the results: O's runs in `byRate`, each with F's run at the same rate beside it as `floor`, and
 * F's runs again in `latency.floor`, shaped like `latency`. Undefined without O's fixed-rate run (its
 * percentiles are the headline).
 */
export function latencyResults(
  oRuns: readonly LatencyRun[],
  floorRuns: readonly FloorLatencyRun[],
  fixedRatePerSec: number,
): BenchResults['latency'] {
  const byRate: LatencyAtRate[] = oRuns.map((o) => ({
    ...o,
    floor: floorRuns.find((f) => f.ratePerSec === o.ratePerSec),
  }));
  const o = headline(byRate, fixedRatePerSec);
  return o && { ...o, floor: headline(floorRuns, fixedRatePerSec) };
}

/** One line for the log: percentiles, how much was seen, and what only O reports. */
export function describeLatency(run: LatencyMeasurement & Partial<Pick<LatencyRun, 'pauses'>>): string {
  const pauses = run.pauses === undefined ? '' : `, ${run.pauses} backpressure pause(s)`;
  return `p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, p99.9 ${run.p999Ms} ms (${run.count.toLocaleString('en-US')} events, sent ${run.achievedRatePerSec.toLocaleString('en-US')}/s, ${run.missing} not seen${pauses})`;
}

/** O's stages in one line (log and console), or why they were not measured. */
export function describeStages(stages: StageReport | undefined): string {
  if (!stages) return 'stages not measured';
  if (!stages.measured) return `stages not measured: ${stages.reason}`;
  const pair = (p: Percentiles) => `${p.p50Ms}/${p.p99Ms}`;
  return (
    `stages p50/p99 ms over ${stages.samples} sampled events: intended→fetched ${pair(stages.intendedToFetched)}, fetched→began ${pair(stages.fetchedToBegan)}, ` +
    `began→committed ${pair(stages.beganToCommitted)}, intended→committed ${pair(stages.intendedToCommitted)}`
  );
}
