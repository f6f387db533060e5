import { FULL_OPTIONS } from '../bench-options.ts';
import { evaluateTargets, type BenchResults, type LatencyAtRate } from '../bench-results.ts';
import type { StageReport } from '../stage-trace.ts';

const cpu = { node: 10, java: 5, postgres: 20 };
const arm = (name: string, eventsPerSec: number) => ({
  arm: name,
  events: 500_000,
  seconds: 500_000 / eventsPerSec,
  eventsPerSec,
  cpu,
  nodeCpuUsPerEvent: 20,
  peakRssMb: 150,
});
const measuredAt = (ratePerSec: number, p99Ms: number) => ({
  ratePerSec,
  achievedRatePerSec: ratePerSec,
  sent: ratePerSec * 30,
  count: ratePerSec * 25,
  missing: 0,
  p50Ms: p99Ms / 4,
  p90Ms: p99Ms / 2,
  p99Ms,
  p999Ms: p99Ms * 1.5,
  maxMs: p99Ms * 2,
  meanMs: p99Ms / 3,
  maxSenderBehindMs: 3,
  pollMeanMs: 1.2,
  pollP99Ms: 2.5,
  nodeCpuUsPerEvent: 40,
  peakRssMb: 160,
  txStartP50Ms: p99Ms / 5,
  txStartP99Ms: p99Ms * 0.9,
});
const stagesAt = (p99Ms: number): StageReport => ({
  measured: true,
  sampleEvery: 64,
  samples: 1_950,
  unmatched: 0,
  intendedToFetched: { p50Ms: 2, p99Ms: p99Ms / 10 },
  fetchedToBegan: { p50Ms: 3, p99Ms: p99Ms / 2 },
  beganToCommitted: { p50Ms: 4, p99Ms: p99Ms / 4 },
  intendedToCommitted: { p50Ms: 9, p99Ms: p99Ms * 0.95 },
});
/** O's run at a rate, with F's beside it (F's p99 is `floorP99Ms`); the stage trace as the consumer would write it. */
const latencyAt = (ratePerSec: number, p99Ms: number, floorP99Ms: number): LatencyAtRate => ({
  ...measuredAt(ratePerSec, p99Ms),
  duplicatesInLedger: 0,
  pauses: 0,
  stages: stagesAt(p99Ms),
  floor: { ...measuredAt(ratePerSec, floorP99Ms), nodeCpuUsPerEvent: 12, peakRssMb: 90 },
});
const byRate = [
  latencyAt(1_000, 20, 12),
  latencyAt(5_000, 35, 28),
  latencyAt(10_000, 300, 60),
  latencyAt(15_000, 120, 50),
];
const floorOf = (runs: readonly LatencyAtRate[], ratePerSec: number) => {
  const byRate = runs.map((l) => l.floor!);
  const fixed = byRate.find((f) => f.ratePerSec === ratePerSec)!;
  return { ratePerSec, p50Ms: fixed.p50Ms, p99Ms: fixed.p99Ms, p999Ms: fixed.p999Ms, byRate };
};

/** A plausible full-run results object, for the renderer's specs (numbers invented, not measurements). */
export function sampleResults(overrides: Partial<BenchResults> = {}): BenchResults {
  const base = {
    eventsPerSec: { A0: 150_000, A1: 60_000, B: 30_000, F: 40_000, N: 1_500, O: 20_000 },
    ratios: { O_over_N: 13.33, O_over_A1: 0.33, O_over_B: 0.67, O_over_A0: 0.13, O_over_F: 0.5, p99_O_over_F: 1.25 },
    latency: { ratePerSec: 5_000, p50Ms: 8.75, p99Ms: 35, p999Ms: 52.5, byRate, floor: floorOf(byRate, 5_000) },
    rssMb: { steady: 150, peakDuringStall: 320, hwmAfterStall: 330 },
    duplicatesInLedger: { O: 0, N: 120, B: 0, redeliveriesInBacklog: 5_000, naiveEventsDrained: 50_000 },
  };
  const results: BenchResults = {
    version: 1,
    mode: 'full',
    date: '2026-11-26T16:00:00.000Z',
    durationSec: 1_500,
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU <fast>',
      memoryGb: 24,
      kernel: '6.1',
      node: 'v24.21.0',
      kafkajs: '2.2.4',
      pg: '8.23.1',
      kafka: '4.1.2',
      registry: 'Apicurio Registry 3.3.3',
      postgres: '15.14',
      gitCommit: '0123456789abcdef0123',
      gitDirty: false,
      loadAverageStart: 0.4,
      loadAverageEnd: 1.1,
    },
    options: FULL_OPTIONS,
    backlog: {
      deliveries: 500_000,
      unique: 495_000,
      redeliveries: 5_000,
      payments: 10_000,
      expectedLegs: 970_000,
      refundedMinor: '123',
      byType: { PaymentRefunded: 465_000 },
      meanRecordBytes: 289,
      topic: 'bench_backlog_x',
      partitions: 6,
      produceSeconds: 20,
      producePerSec: 25_000,
    },
    rounds: [1, 2, 3].map((round) => ({
      round,
      order: ['A0', 'A1', 'B', 'F', 'N', 'O'] as const,
      arms: {
        A0: arm('A0', 150_000),
        A1: arm('A1', 60_000),
        B: arm('B', 30_000),
        F: arm('F', 40_000),
        N: { ...arm('N', 1_500), events: 50_000 },
        O: arm('O', 20_000 + round),
      },
    })),
    cpu: { A0: { ...cpu, nodeCpuUsPerEvent: 5 }, O: { ...cpu, nodeCpuUsPerEvent: 20 } },
    peakRssMb: { O: 180 },
    sweep: [100, 1_000].map((chunkMaxEvents) => ({
      chunkMaxEvents,
      eventsPerSec: chunkMaxEvents * 10,
      nodeCpuUsPerEvent: 30,
      peakRssMb: 170,
      duplicatesInLedger: 0,
      pauses: 0,
    })),
    coldStart: {
      eventsPerSec: 4_000,
      seconds: 125,
      pauses: 3,
      autoanalyzeRuns: 1,
      duplicatesInLedger: 0,
      steadyEventsPerSec: 20_000,
      overN: 2.67,
    },
    stall: {
      stallSec: 60,
      steadyRssMb: 150,
      peakRssMbDuringStall: 320,
      hwmMbAfterStall: 330,
      steadyRatePerSec: 5_000,
      targetRatePerSec: 40_000,
      achievedRatePerSec: 30_000,
      producedDuringStall: 1_800_000,
      paused: true,
      pauseReason: 'a transaction has run for 2001 ms > 2000 ms',
      resumed: true,
      drainSecondsAfterStall: 95,
      drainRatePerSecAfterStall: 19_000,
      pausesAfterStall: 0,
      backpressureTimeline: [
        { atSec: 2.1, event: 'pausing fetches: backpressure', reason: 'a transaction has run for 2001 ms > 2000 ms' },
      ],
      duplicatesInLedger: 0,
      uniqueSent: 1_880_000,
      processed: 1_880_000,
      lost: 0,
    },
    profile: {
      file: '.spr/bench/x/cpu-profile/CPU.cpuprofile',
      eventsPerSecProfiled: 18_000,
      durationMs: 28_000,
      busyMs: 25_000,
      idlePct: 10,
      top: [{ name: 'pg/lib/utils.js:escapeElement', selfMs: 2_500, selfPct: 10 }],
      byArea: [{ name: 'pg', selfMs: 5_000, selfPct: 20 }],
    },
    gateway: { status: 'skipped', reason: 'gateway not available: apps/producer-gateway does not exist' },
    targets: [],
    errors: [],
    notes: ['a note with a | pipe'],
    ...base,
    ...overrides,
  };
  return { ...results, targets: overrides.targets ?? evaluateTargets(results) };
}

/**
 * The same results as written before issue 13 (bench/results/latest.json of 2026-11-27): no arm F, no floor
 * latency, no stage trace, no light rate in the options.
 */
export function resultsWithoutFloor(): BenchResults {
  const r = sampleResults();
  const { F: _eps, ...eventsPerSec } = r.eventsPerSec;
  const { O_over_F: _ratio, p99_O_over_F: _p99, ...ratios } = r.ratios;
  const { floor: _floor, ...latency } = r.latency!;
  const { lightRatePerSec: _light, ...latencyOptions } = r.options.latency;
  const old = {
    ...r,
    options: { ...r.options, latency: latencyOptions },
    eventsPerSec,
    ratios,
    rounds: r.rounds.map(({ arms: { F: _f, ...arms }, ...round }) => ({
      ...round,
      order: round.order.filter((a) => a !== 'F'),
      arms,
    })),
    latency: {
      ...latency,
      byRate: latency.byRate.filter((l) => l.ratePerSec !== 1_000).map(({ floor: _f, stages: _s, ...o }) => o),
    },
  };
  return { ...old, targets: evaluateTargets(old) };
}
