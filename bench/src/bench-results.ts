import type { ArmRun } from './arm-run.ts';
import type { BacklogSummary } from './backlog-summary.ts';
import { LIGHT_RATE_PER_SEC, rateAtFraction, type BenchOptions } from './bench-options.ts';
import type { LedgerCheck } from './ledger-check.ts';
import type { MachineInfo } from './machine-info.ts';
import type { GatewayRun } from './run-gateway.ts';
import type { FloorLatencyRun, LatencyMeasurement, LatencyRun } from './run-latency.ts';
import type { ProfileRun } from './run-profile.ts';
import type { StallRun } from './run-stall.ts';

export const ARMS = ['A0', 'A1', 'B', 'F', 'N', 'O'] as const;
export type Arm = (typeof ARMS)[number];

export const ARM_DESCRIPTIONS: Readonly<Record<Arm, string>> = {
  A0: 'raw kafkajs consume, no work (eachBatch, the runtime’s fetch settings)',
  A1: 'A0 + Avro decode of every value (contracts codec, decodeCached)',
  B: 'PostgreSQL-only ceiling: the consumer’s rows from memory, the consumer’s one-round-trip write per chunk, 6 connections',
  F: 'the floor: A0 + one tx per partition batch (unnest insert into a plain table, consumer_offsets upsert), no dedupe, no fold',
  N: 'the seed article’s consumer: eachMessage, autoCommit, one INSERT per event, offset-keyed TTL Map',
  O: 'SPR payment consumer process (dist/main.mjs), default settings',
};

export interface RoundResult {
  readonly round: number;
  readonly order: readonly Arm[];
  readonly arms: Partial<
    Record<
      Arm,
      ArmRun & {
        readonly check?: LedgerCheck;
        readonly naive?: { rows: number; distinctEvents: number; duplicatesInLedger: number };
        readonly pauses?: number;
      }
    >
  >;
}

/** O's open-loop run at one rate, with F's run at the same rate beside it (absent when F was not measured there). */
export interface LatencyAtRate extends LatencyRun {
  readonly floor?: FloorLatencyRun;
}

/** The fixed-rate run's percentiles at the top, every rate in byRate: the shape of `latency` and `latency.floor`. */
export interface LatencyHeadline<Run extends LatencyMeasurement> {
  readonly ratePerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly byRate: readonly Run[];
}

export interface Target {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly status: 'PASS' | 'MISS' | 'NOT MEASURED';
}

/** Everything a run measured; bench/results/<date>.json, latest.json and docs/performance.md are made from it. */
export interface BenchResults {
  readonly version: 1;
  readonly mode: BenchOptions['mode'];
  readonly date: string;
  readonly durationSec: number;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  readonly backlog?: BacklogSummary & {
    readonly topic: string;
    readonly partitions: number;
    readonly produceSeconds: number;
    readonly producePerSec: number;
  };
  /** Medians over the rounds. */
  readonly eventsPerSec: Partial<Record<Arm, number>>;
  readonly ratios: {
    readonly O_over_N?: number;
    readonly O_over_A1?: number;
    readonly O_over_B?: number;
    readonly O_over_A0?: number;
    readonly O_over_F?: number;
    /** O's p99 over F's p99 at the fixed rate (5,000 events/s). */
    readonly p99_O_over_F?: number;
  };
  readonly rounds: readonly RoundResult[];
  /** Medians over the rounds: CPU seconds per process group during the drain, and Node CPU per event. */
  readonly cpu: Partial<
    Record<
      Arm,
      { readonly node: number; readonly java: number; readonly postgres: number; readonly nodeCpuUsPerEvent: number }
    >
  >;
  /** Highest VmHWM of the arm's node process over the rounds. */
  readonly peakRssMb: Partial<Record<Arm, number>>;
  readonly sweep: ReadonlyArray<{
    readonly chunkMaxEvents: number;
    readonly eventsPerSec: number;
    readonly nodeCpuUsPerEvent: number;
    readonly peakRssMb: number;
    readonly duplicatesInLedger: number;
    readonly pauses: number;
  }>;
  /** One O drain with statistics left to autovacuum (no periodic ANALYZE): the first minute of a fresh ledger. */
  readonly coldStart?: {
    readonly eventsPerSec: number;
    readonly seconds: number;
    readonly pauses: number;
    readonly autoanalyzeRuns: number;
    readonly duplicatesInLedger: number;
    readonly steadyEventsPerSec?: number;
    readonly overN?: number;
  };
  /**
   * O's fixed-rate run (ratePerSec 5000) at the top, every rate in byRate with F's run at that rate as `floor`;
   * F's runs again in `floor`, the same shape. Results written before issue 13 have no F and no stages.
   */
  readonly latency?: LatencyHeadline<LatencyAtRate> & { readonly floor?: LatencyHeadline<FloorLatencyRun> };
  readonly rssMb?: { readonly steady: number; readonly peakDuringStall: number; readonly hwmAfterStall: number };
  readonly stall?: StallRun;
  readonly duplicatesInLedger: {
    /** Across every O run of this benchmark (rounds, sweep, latency, stall). */
    readonly O?: number;
    /** N's table after draining its share of the backlog (median over the rounds). */
    readonly N?: number;
    readonly B?: number;
    readonly redeliveriesInBacklog?: number;
    readonly naiveEventsDrained?: number;
  };
  readonly profile?: ProfileRun;
  readonly gateway?: GatewayRun;
  readonly targets: readonly Target[];
  /** Steps that failed; the run carries on with the others and says so here. */
  readonly errors: readonly string[];
  readonly notes: readonly string[];
}

const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function target(
  name: string,
  wanted: string,
  value: number | undefined,
  measured: (v: number) => string,
  ok: (v: number) => boolean,
): Target {
  if (value === undefined || !Number.isFinite(value))
    return { name, target: wanted, measured: 'not measured', status: 'NOT MEASURED' };
  return { name, target: wanted, measured: measured(value), status: ok(value) ? 'PASS' : 'MISS' };
}

/** Issue 13's targets, in the units of the results. */
export const TARGETS = {
  oP99OverFloorP99: 1.5,
  lightRateP99Ms: 30,
  /** Live load at this fraction of O's own drain rate… */
  liveLoadFraction: 0.5,
  /** …within this p99. */
  liveLoadP99Ms: 250,
  oMinEventsPerSec: 12_000,
  oOverB: 0.8,
  oOverN: 10,
  steadyRssMb: 200,
  stallPeakRssMb: 250,
} as const;

const ms = (v: number) => `${fmt(v)} ms`;
/** A run's percentiles as the targets show them, with the events it never saw committed (its p99 is then a lower bound). */
const figures = (run: LatencyMeasurement) =>
  `p50 ${fmt(run.p50Ms)}, p99.9 ${fmt(run.p999Ms)}${run.missing > 0 ? `, ${fmt(run.missing, 0)} not seen committed` : ''}`;
/** A latency target passes only when every event was seen committed: otherwise the p99 is only a lower bound. */
const p99Target = (name: string, run: LatencyMeasurement | undefined, maxMs: number) =>
  target(
    name,
    `≤ ${fmt(maxMs, 0)} ms`,
    run?.p99Ms,
    (v) => `${ms(v)} (${figures(run!)})`,
    (v) => v <= maxMs && run!.missing === 0,
  );

/** The targets of issue 13 against what was measured; never asserted anywhere, only reported. */
export function evaluateTargets(
  r: Pick<BenchResults, 'ratios' | 'latency' | 'rssMb' | 'duplicatesInLedger' | 'eventsPerSec'>,
): Target[] {
  const eps = (arm: Arm) => (r.eventsPerSec[arm] !== undefined ? `${fmt(r.eventsPerSec[arm]!, 0)}/s` : '?');
  const oAt = (rate: number | undefined) => r.latency?.byRate.find((l) => l.ratePerSec === rate);
  const fixedRate = r.latency?.ratePerSec ?? 5_000;
  const oUnseen = oAt(fixedRate)?.missing ?? 0;
  const liveRate =
    r.eventsPerSec.O === undefined ? undefined : rateAtFraction(r.eventsPerSec.O, TARGETS.liveLoadFraction);
  return [
    target(
      `O p99 ≤ ${TARGETS.oP99OverFloorP99}× F p99 at ${fmt(fixedRate, 0)} events/s`,
      `O/F ≤ ${TARGETS.oP99OverFloorP99} (stretch ≤ 1)`,
      r.ratios.p99_O_over_F,
      (v) =>
        `${fmt(v)}× (O ${ms(r.latency!.p99Ms)}, F ${ms(r.latency!.floor!.p99Ms)}; stretch ${v <= 1 ? 'met' : 'missed'}${oUnseen > 0 ? `; O: ${fmt(oUnseen, 0)} not seen committed` : ''})`,
      (v) => v <= TARGETS.oP99OverFloorP99 && oUnseen === 0,
    ),
    p99Target(`O p99 at ${fmt(LIGHT_RATE_PER_SEC, 0)} events/s`, oAt(LIGHT_RATE_PER_SEC), TARGETS.lightRateP99Ms),
    p99Target(
      `O p99 at half of O’s drain rate (${liveRate === undefined ? '?' : fmt(liveRate, 0)} events/s)`,
      oAt(liveRate),
      TARGETS.liveLoadP99Ms,
    ),
    target(
      'O drain rate',
      `≥ ${fmt(TARGETS.oMinEventsPerSec, 0)} events/s`,
      r.eventsPerSec.O,
      (v) => `${fmt(v, 0)}/s`,
      (v) => v >= TARGETS.oMinEventsPerSec,
    ),
    target(
      `O ≥ ${TARGETS.oOverB}× B`,
      `O/B ≥ ${TARGETS.oOverB}`,
      r.ratios.O_over_B,
      (v) => `${fmt(v)}× (B ${eps('B')})`,
      (v) => v >= TARGETS.oOverB,
    ),
    target(
      `O ≥ ${TARGETS.oOverN}× N`,
      `O/N ≥ ${TARGETS.oOverN}`,
      r.ratios.O_over_N,
      (v) => `${fmt(v)}× (O ${eps('O')}, N ${eps('N')})`,
      (v) => v >= TARGETS.oOverN,
    ),
    target(
      'consumer RSS, steady',
      `≤ ${TARGETS.steadyRssMb} MB`,
      r.rssMb?.steady,
      (v) => `${fmt(v, 0)} MB`,
      (v) => v <= TARGETS.steadyRssMb,
    ),
    target(
      'consumer RSS, peak of the stall',
      `≤ ${TARGETS.stallPeakRssMb} MB`,
      r.rssMb?.peakDuringStall,
      (v) => `${fmt(v, 0)} MB (VmHWM ${fmt(r.rssMb!.hwmAfterStall, 0)} MB)`,
      (v) => v <= TARGETS.stallPeakRssMb,
    ),
    target(
      'duplicates in O’s ledger',
      '0',
      r.duplicatesInLedger.O,
      (v) =>
        `${fmt(v, 0)} (N: ${r.duplicatesInLedger.N ?? '?'} from the same redeliveries in its first ${fmt(r.duplicatesInLedger.naiveEventsDrained ?? 0, 0)} events)`,
      (v) => v === 0,
    ),
  ];
}
