import type { ScenarioContext } from './scenario-context.ts';
import type { Verification } from './verify/verify-ledger.ts';

/** A check a scenario makes about its fault (was it injected as intended, did the consumer behave). */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
  /**
   * False for a finding that does not decide the scenario (docs/design.md §8's verdict is about lost, duplicated,
   * reordered and unaccounted events): reported in the results, never hidden. Default true.
   */
  readonly gating?: boolean;
}

/** What a scenario reports once its fault is over and the consumer drained the log. */
export interface ScenarioRun {
  /**
   * When the fault was over: the consumer restarted, the member resumed, the service answered again; or, when load
   * was still being produced then, when the last event was in the log (recovery is the consumer's catch-up time).
   */
  readonly faultEndedAt: number;
  /** When the stored offsets reached the log end after that. */
  readonly drainedAt: number;
  /** What was injected, when and where (for the results file). */
  readonly fault: Readonly<Record<string, unknown>>;
  readonly checks?: readonly Check[];
  /** Checks on the verifier's findings (e.g. the poison scenario expects every reason code). */
  readonly assess?: (verification: Verification) => readonly Check[];
}

export interface ScenarioDefinition {
  readonly name: string;
  /** One line: what is broken. */
  readonly summary: string;
  /** Breaks a service (broker, registry, PostgreSQL) rather than only consumer processes: needs the suite's own stack. */
  readonly breaksServices: boolean;
  /** The longest the scenario may run before it counts as a hang. */
  readonly timeoutMs: (quick: boolean) => number;
  run(ctx: ScenarioContext): Promise<ScenarioRun>;
}
