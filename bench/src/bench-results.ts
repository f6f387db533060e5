import type { ArmRun } from './arm-run.ts';
import type { BacklogSummary } from './backlog-summary.ts';
import type { BenchOptions } from './bench-options.ts';
import type { LedgerCheck } from './ledger-check.ts';
import type { MachineInfo } from './machine-info.ts';
import type { GatewayRun } from './run-gateway.ts';
import type { LatencyRun } from './run-latency.ts';
import type { ProfileRun } from './run-profile.ts';
import type { StallRun } from './run-stall.ts';

export const ARMS = ['A0', 'A1', 'B', 'N', 'O'] as const;
export type Arm = (typeof ARMS)[number];

export const ARM_DESCRIPTIONS: Readonly<Record<Arm, string>> = {
  A0: 'raw kafkajs consume, no work (eachBatch, the runtime’s fetch settings)',
  A1: 'A0 + Avro decode of every value (contracts codec, decodeCached)',
  B: 'PostgreSQL-only ceiling: the consumer’s rows from memory, unnest batches, one tx per chunk, 6 connections',
  N: 'the seed article’s consumer: eachMessage, autoCommit, one INSERT per event, offset-keyed TTL Map',
  O: 'SPR payment consumer process (dist/main.mjs), default settings',
};

export interface RoundResult {
  readonly round: number;
  readonly order: readonly Arm[];
  readonly arms: Partial<
    Record<Arm, ArmRun & { readonly check?: LedgerCheck; readonly naive?: { rows: number; distinctEvents: number; duplicatesInLedger: number }; readonly pauses?: number }>
  >;
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
  readonly backlog?: BacklogSummary & { readonly topic: string; readonly partitions: number; readonly produceSeconds: number; readonly producePerSec: number };
  /** Medians over the rounds. */
  readonly eventsPerSec: Partial<Record<Arm, number>>;
  readonly ratios: { readonly O_over_N?: number; readonly O_over_A1?: number; readonly O_over_B?: number; readonly O_over_A0?: number };
  readonly rounds: readonly RoundResult[];
  /** Medians over the rounds: CPU seconds per process group during the drain, and Node CPU per event. */
  readonly cpu: Partial<Record<Arm, { readonly node: number; readonly java: number; readonly postgres: number; readonly nodeCpuUsPerEvent: number }>>;
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
  /** The fixed-rate run (ratePerSec 5000) at the top, every rate in byRate. */
  readonly latency?: { readonly ratePerSec: number; readonly p50Ms: number; readonly p99Ms: number; readonly p999Ms: number; readonly byRate: readonly LatencyRun[] };
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

function target(name: string, wanted: string, value: number | undefined, measured: (v: number) => string, ok: (v: number) => boolean): Target {
  if (value === undefined || !Number.isFinite(value)) return { name, target: wanted, measured: 'not measured', status: 'NOT MEASURED' };
  return { name, target: wanted, measured: measured(value), status: ok(value) ? 'PASS' : 'MISS' };
}

/** The targets of issue 7 against what was measured; never asserted anywhere, only reported. */
export function evaluateTargets(r: Pick<BenchResults, 'ratios' | 'latency' | 'rssMb' | 'duplicatesInLedger' | 'eventsPerSec'>): Target[] {
  const eps = (arm: Arm) => (r.eventsPerSec[arm] !== undefined ? `${fmt(r.eventsPerSec[arm]!, 0)}/s` : '?');
  const fixed = r.latency?.byRate.find((l) => l.ratePerSec === r.latency?.ratePerSec);
  return [
    target('O ≥ 10× N', 'O/N ≥ 10', r.ratios.O_over_N, (v) => `${fmt(v)}× (O ${eps('O')}, N ${eps('N')})`, (v) => v >= 10),
    target('O ≥ 0.5× A1', 'O/A1 ≥ 0.5', r.ratios.O_over_A1, (v) => `${fmt(v)}× (A1 ${eps('A1')})`, (v) => v >= 0.5),
    target('O ≥ 0.6× B', 'O/B ≥ 0.6', r.ratios.O_over_B, (v) => `${fmt(v)}× (B ${eps('B')})`, (v) => v >= 0.6),
    target(`p99 at ${fmt(r.latency?.ratePerSec ?? 5000, 0)} events/s`, '≤ 40 ms', r.latency?.p99Ms, (v) => `${fmt(v)} ms (p50 ${fmt(r.latency!.p50Ms)}, p99.9 ${fmt(r.latency!.p999Ms)}${fixed && fixed.missing > 0 ? `, ${fixed.missing} not seen committed` : ''})`, (v) => v <= 40 && (fixed?.missing ?? 0) === 0),
    target('consumer RSS, steady', '≤ 200 MB', r.rssMb?.steady, (v) => `${fmt(v, 0)} MB`, (v) => v <= 200),
    target('consumer RSS, peak of the stall', '≤ 300 MB', r.rssMb?.peakDuringStall, (v) => `${fmt(v, 0)} MB (VmHWM ${fmt(r.rssMb!.hwmAfterStall, 0)} MB)`, (v) => v <= 300),
    target('duplicates in O’s ledger', '0', r.duplicatesInLedger.O, (v) => `${fmt(v, 0)} (N: ${r.duplicatesInLedger.N ?? '?'} from the same redeliveries in its first ${fmt(r.duplicatesInLedger.naiveEventsDrained ?? 0, 0)} events)`, (v) => v === 0),
  ];
}
