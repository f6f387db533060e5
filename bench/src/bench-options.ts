import { parseArgs } from 'node:util';

/** Issue 13's light-load rate: O and F run at it, and O's p99 there is a target (bench-results.ts). */
export const LIGHT_RATE_PER_SEC = 1_000;

/** What one benchmark run does; `--quick` is the same structure on a small backlog. */
export interface BenchOptions {
  readonly mode: 'full' | 'quick';
  readonly backlog: {
    readonly events: number;
    readonly payments: number;
    readonly partitions: number;
    readonly duplicateRatio: number;
    readonly seed: number;
  };
  readonly rounds: number;
  /** Arm N drains only this many events (its rate is what counts). */
  readonly naiveEvents: number;
  /** CHUNK_MAX_EVENTS of arm O (the runtime's default) and the sweep around it. */
  readonly chunkMaxEvents: number;
  readonly sweepChunkSizes: readonly number[];
  readonly latency: {
    /** Fractions of O's measured maximum rate (0.5 is a target: live load at half of O's drain rate). */
    readonly fractions: readonly number[];
    /** A fixed light rate (absent from results written before issue 13). */
    readonly lightRatePerSec?: number;
    /** The fixed rate reported in latest.json. */
    readonly fixedRatePerSec: number;
    readonly durationSec: number;
    /** Events intended in the first seconds are left out of the histogram (JIT, connection warm-up). */
    readonly warmupSec: number;
  };
  readonly stall: {
    /** Steady load (at the fixed latency rate) before the stall; RSS "steady" is sampled in its second half. */
    readonly steadySec: number;
    readonly stallSec: number;
    /** The producing rate during the stall, as a multiple of O's drain rate. */
    readonly rateFactor: number;
  };
  readonly gateway: { readonly durationSec: number; readonly clients: number };
  /** Upper bound on any single drain, so a stuck arm cannot hang the run. */
  readonly drainTimeoutSec: number;
  /** After the stall, how long to wait for the consumer to drain what piled up (it is reported either way). */
  readonly stallDrainSec: number;
  /** Steps that would start after this much time are skipped (and reported as skipped). */
  readonly budgetSec: number;
}

export const FULL_OPTIONS: BenchOptions = Object.freeze({
  mode: 'full',
  backlog: { events: 500_000, payments: 10_000, partitions: 6, duplicateRatio: 0.01, seed: 20_260_101 },
  rounds: 3,
  naiveEvents: 50_000,
  chunkMaxEvents: 1_000,
  sweepChunkSizes: [100, 250, 500, 1_000, 2_000],
  latency: {
    fractions: [0.25, 0.5, 0.75],
    lightRatePerSec: LIGHT_RATE_PER_SEC,
    fixedRatePerSec: 5_000,
    durationSec: 30,
    warmupSec: 5,
  },
  stall: { steadySec: 20, stallSec: 60, rateFactor: 2 },
  gateway: { durationSec: 30, clients: 32 },
  drainTimeoutSec: 600,
  stallDrainSec: 180,
  budgetSec: 55 * 60,
});

export const QUICK_OPTIONS: BenchOptions = Object.freeze({
  mode: 'quick',
  backlog: { events: 30_000, payments: 600, partitions: 6, duplicateRatio: 0.01, seed: 20_260_101 },
  rounds: 1,
  naiveEvents: 3_000,
  chunkMaxEvents: 1_000,
  sweepChunkSizes: [100, 1_000, 2_000],
  latency: {
    fractions: [0.25, 0.5, 0.75],
    lightRatePerSec: LIGHT_RATE_PER_SEC,
    fixedRatePerSec: 5_000,
    durationSec: 4,
    warmupSec: 1,
  },
  stall: { steadySec: 3, stallSec: 8, rateFactor: 2 },
  gateway: { durationSec: 4, clients: 16 },
  drainTimeoutSec: 90,
  stallDrainSec: 30,
  budgetSec: 230,
});

/** The open-loop rate at a fraction of O's drain rate (events/s, rounded): how latency runs and targets name it. */
export function rateAtFraction(oDrainRatePerSec: number, fraction: number): number {
  return Math.round(oDrainRatePerSec * fraction);
}

/** The rates of the latency runs, each once: the fractions of O's drain rate, then the light and the fixed rate. */
export function latencyRates(latency: BenchOptions['latency'], oDrainRatePerSec: number): number[] {
  const rates = [
    ...latency.fractions.map((f) => rateAtFraction(oDrainRatePerSec, f)),
    ...(latency.lightRatePerSec ? [latency.lightRatePerSec] : []),
    latency.fixedRatePerSec,
  ];
  return [...new Set(rates)];
}

export type BenchCommand =
  | { readonly kind: 'run'; readonly options: BenchOptions }
  | { readonly kind: 'report-only'; readonly resultsFile?: string }
  | { readonly kind: 'help' };

export const USAGE = `usage: npm run bench [-- --quick | --report-only [results.json]]

  (no flag)       the full benchmark (about 30 minutes on a quiet 2-core machine): writes
                  bench/results/<date>.json, bench/results/latest.json, docs/performance.md and its SVG charts
  --quick         the same structure on a 30,000-event backlog, 1 round (under 4 minutes): writes only
                  bench/results/<date>-quick.json (and a preview report under .spr/bench/), never latest.json or docs/
  --report-only   re-renders docs/performance.md and the charts from bench/results/latest.json (or the file given)
`;

const ARGS = {
  quick: { type: 'boolean' },
  'report-only': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses the command line with `parseArgs` (not strict: its tokens are checked here, so that every message names the
 * arguments as given); unknown arguments are an error (a typo must not start a 30-minute run). `--report-only`
 * takes an optional results file, as `--report-only x.json` or `--report-only=x.json`.
 */
export function parseBenchArgs(argv: readonly string[]): BenchCommand {
  const { tokens } = parseArgs({ args: [...argv], options: ARGS, strict: false, allowPositionals: true, tokens: true });
  const isFlag = (token: (typeof tokens)[number], name: keyof typeof ARGS) =>
    token.kind === 'option' && token.name === name;
  // Each argument as given (a group such as -hq is one argument, several tokens).
  const given = (rest: typeof tokens) => [...new Set(rest.map((t) => t.index))].map((i) => argv[i]!);
  if (tokens.some((t) => isFlag(t, 'help'))) return { kind: 'help' };
  const reportAt = tokens.findIndex((t) => isFlag(t, 'report-only'));
  if (reportAt >= 0) {
    const flag = tokens[reportAt]!;
    const next = tokens[reportAt + 1];
    const inline = flag.kind === 'option' ? flag.value : undefined;
    const takesNext = inline === undefined && next?.kind === 'positional';
    const file = inline ?? (takesNext ? next.value : undefined);
    const rest = tokens.filter((_t, i) => i !== reportAt && !(takesNext && i === reportAt + 1));
    if (rest.length > 0)
      throw new Error(
        `--report-only takes no other argument than a results file, got ${given(rest).join(' ')}\n${USAGE}`,
      );
    return { kind: 'report-only', resultsFile: file };
  }
  const unknown = tokens.filter((t) => !(isFlag(t, 'quick') && t.kind === 'option' && t.value === undefined));
  if (unknown.length > 0) throw new Error(`unknown argument(s): ${given(unknown).join(' ')}\n${USAGE}`);
  return { kind: 'run', options: tokens.length > 0 ? QUICK_OPTIONS : FULL_OPTIONS };
}
