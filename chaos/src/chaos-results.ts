import type { Check } from './scenario.ts';
import type { Verification } from './verify/verify-ledger.ts';

/** One scenario of one run, as written to chaos/results/latest.json. */
export interface ScenarioResult {
  readonly name: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
  /** Failed non-gating checks: behaviour worth reporting that lost, duplicated or reordered nothing. */
  readonly findings: readonly string[];
  /** Consumer processes that exited with an error without being told to (a crash). */
  readonly consumerCrashes: number;
  readonly events: number | null;
  readonly applied: number | null;
  readonly duplicatesSkipped: number | null;
  readonly parked: number | null;
  readonly deadLettered: number | null;
  readonly lost: number | null;
  readonly duplicated: number | null;
  readonly gaps: number | null;
  readonly orderViolations: number | null;
  /** From the end of the fault (restart, resume, service back) to the consumer having drained the log. */
  readonly recoverySeconds: number | null;
  readonly durationSeconds: number;
  readonly fault: Readonly<Record<string, unknown>>;
  readonly checks: readonly Check[];
  readonly members: ReadonlyArray<{
    readonly name: string;
    readonly pid: number;
    readonly code: number | null;
    readonly signal: string | null;
  }>;
  readonly verification: Omit<
    Verification,
    | 'events'
    | 'applied'
    | 'duplicatesSkipped'
    | 'parked'
    | 'deadLettered'
    | 'lost'
    | 'duplicated'
    | 'gaps'
    | 'orderViolations'
    | 'failures'
  > | null;
  readonly topic: string | null;
  readonly database: string | null;
  readonly logDir: string;
}

export interface RunResult {
  readonly seed: number;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly passed: boolean;
  readonly scenarios: readonly ScenarioResult[];
}

export interface ChaosResults {
  readonly generatedAt: string;
  readonly command: string;
  readonly options: {
    readonly seed: number;
    readonly runs: number;
    readonly quick: boolean;
    readonly scenarios: readonly string[];
    readonly stack: 'own' | 'env';
  };
  readonly machine: { readonly cpus: number; readonly node: string; readonly platform: string };
  readonly totalSeconds: number;
  readonly passed: boolean;
  readonly runs: readonly RunResult[];
}

const cell = (value: number | null) => (value === null ? '–' : String(value));

function spread(values: readonly number[]): string {
  if (values.length === 0) return '–';
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return sorted.length === 1
    ? median.toFixed(1)
    : `${median.toFixed(1)} (${sorted[0]!.toFixed(1)}–${sorted.at(-1)!.toFixed(1)})`;
}

/** One row per scenario over all runs: outcomes summed, recovery as median (min–max). Markdown. */
export function summaryTable(results: Pick<ChaosResults, 'runs'>): string {
  const names = [...new Set(results.runs.flatMap((r) => r.scenarios.map((s) => s.name)))];
  const rows = names.map((name) => {
    const all = results.runs.flatMap((r) => r.scenarios.filter((s) => s.name === name));
    const sum = (
      field:
        | 'events'
        | 'applied'
        | 'duplicatesSkipped'
        | 'parked'
        | 'deadLettered'
        | 'lost'
        | 'duplicated'
        | 'gaps'
        | 'orderViolations',
    ) => (all.some((s) => s[field] === null) ? null : all.reduce((n, s) => n + (s[field] ?? 0), 0));
    const passed = all.filter((s) => s.passed).length;
    const recovery = all.map((s) => s.recoverySeconds).filter((v): v is number => v !== null);
    const crashes = all.reduce((n, s) => n + s.consumerCrashes, 0);
    return `| ${name} | ${passed}/${all.length} | ${cell(sum('events'))} | ${cell(sum('applied'))} | ${cell(sum('duplicatesSkipped'))} | ${cell(sum('parked'))} | ${cell(sum('deadLettered'))} | ${cell(sum('lost'))} | ${cell(sum('duplicated'))} | ${cell(sum('gaps'))} | ${cell(sum('orderViolations'))} | ${spread(recovery)} | ${crashes} |`;
  });
  return [
    '| scenario | passed | events | applied | duplicates skipped | parked | dead-lettered | lost | duplicated | gaps | order violations | recovery s, median (min–max) | consumer crashes |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** One row per scenario of one run. Markdown. */
export function runTable(run: RunResult): string {
  return [
    '| scenario | passed | events | applied | duplicates skipped | parked | dead-lettered | lost | duplicated | gaps | order violations | recovery s | duration s | consumer crashes |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...run.scenarios.map(
      (s) =>
        `| ${s.name} | ${s.passed ? 'yes' : '**no**'} | ${cell(s.events)} | ${cell(s.applied)} | ${cell(s.duplicatesSkipped)} | ${cell(s.parked)} | ${cell(s.deadLettered)} | ${cell(s.lost)} | ${cell(s.duplicated)} | ${cell(s.gaps)} | ${cell(s.orderViolations)} | ${s.recoverySeconds === null ? '–' : s.recoverySeconds.toFixed(1)} | ${s.durationSeconds.toFixed(0)} | ${s.consumerCrashes} |`,
    ),
  ].join('\n');
}
