import { describe, expect, it } from 'vitest';
import { latencyResults } from './latency-results.ts';
import type { FloorLatencyRun, LatencyRun } from './run-latency.ts';

const measured = (ratePerSec: number, p99Ms: number): FloorLatencyRun => ({
  ratePerSec,
  achievedRatePerSec: ratePerSec,
  sent: ratePerSec * 30,
  count: ratePerSec * 25,
  missing: 0,
  p50Ms: p99Ms / 4,
  p90Ms: p99Ms / 2,
  p99Ms,
  p999Ms: p99Ms * 2,
  maxMs: p99Ms * 3,
  meanMs: p99Ms / 3,
  maxSenderBehindMs: 2,
  pollMeanMs: 1,
  pollP99Ms: 2,
  nodeCpuUsPerEvent: 30,
  peakRssMb: 100,
  txStartP50Ms: 1,
  txStartP99Ms: 2,
});
const o = (ratePerSec: number, p99Ms: number): LatencyRun => ({
  ...measured(ratePerSec, p99Ms),
  duplicatesInLedger: 0,
  pauses: 0,
  stages: { measured: false, reason: 'no trace' },
});

describe('latencyResults', () => {
  it('puts F’s run beside O’s at the same rate, F’s runs again under floor, each headed by its fixed-rate run', () => {
    const floor = [measured(1_000, 8), measured(5_000, 20)];
    const latency = latencyResults([o(1_000, 10), o(5_000, 30), o(6_000, 90)], floor, 5_000)!;
    expect(latency).toMatchObject({ ratePerSec: 5_000, p50Ms: 7.5, p99Ms: 30, p999Ms: 60 });
    expect(latency.byRate.map((l) => [l.ratePerSec, l.p99Ms, l.floor?.p99Ms])).toEqual([
      [1_000, 10, 8],
      [5_000, 30, 20],
      [6_000, 90, undefined],
    ]);
    expect(latency.byRate[0]!.stages).toEqual({ measured: false, reason: 'no trace' });
    expect(latency.floor).toEqual({ ratePerSec: 5_000, p50Ms: 5, p99Ms: 20, p999Ms: 40, byRate: floor });
  });

  it('has no floor without F’s fixed-rate run, and no latency without O’s', () => {
    expect(latencyResults([o(5_000, 30)], [measured(1_000, 8)], 5_000)!.floor).toBeUndefined();
    expect(latencyResults([o(1_000, 10)], [measured(5_000, 20)], 5_000)).toBeUndefined();
  });
});
