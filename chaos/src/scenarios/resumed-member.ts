import { RUNTIME_DEFAULTS } from '@spr/consumer-runtime';
import type { ConsumerProcess } from '../consumer-process.ts';
import type { ScenarioDefinition } from '../scenario.ts';
import { APP_DEFAULTS, PARTITIONS, type ScenarioContext } from '../scenario-context.ts';
import {
  ASSIGNED,
  CLAIMED,
  FENCED,
  publishInBackground,
  rateFor,
  seconds,
  waitUntilWorking,
} from '../scenario-steps.ts';
import { sleep, waitUntil } from '../wait-until.ts';

const DEFAULT_SESSION_TIMEOUT_MS = RUNTIME_DEFAULTS.sessionTimeoutMs;
/** How long after the member resumes (and the load ends) every partition must have drained: the scenario's bound. */
const DRAIN_BOUND_MS = 60_000;

const lastAssignment = (member: ConsumerProcess): number[] =>
  (member.lines().findLast((l) => l.message === ASSIGNED)?.partitions as number[] | undefined) ?? [];

/**
 * Issue 12, with the settings users run: of two members sharing the partitions while events keep arriving, one
 * is frozen (SIGSTOP) past its session timeout; the other takes every partition; the frozen one resumes (SIGCONT)
 * with batches of partitions it no longer owns, learns it was fenced, rejoins and gets some partitions back. It
 * passes only if every partition's stored offset reaches the log end, within DRAIN_BOUND_MS of the resume and the
 * last event, with no member restarted. Before the fix, the resumed member's reclaimed partitions stayed paused for
 * ever.
 */
export const resumedMemberDefaults: ScenarioDefinition = {
  name: 'resumed-member-defaults',
  summary:
    'default session and heartbeat settings: one of two members SIGSTOPped past its session timeout while a successor takes over and load continues, then SIGCONT; every partition must drain without a restart',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 240_000 : 300_000),
  async run(ctx: ScenarioContext) {
    const events = ctx.simulate(ctx.quick ? 1_500 : 3_000);
    const upfront = Math.floor(events.length * 0.2);
    await ctx.publish(events.slice(0, upfront));
    const a = ctx.spawnMember('member-a', APP_DEFAULTS);
    await waitUntilWorking(ctx, a);
    const b = ctx.spawnMember('member-b', APP_DEFAULTS);
    await waitUntilWorking(ctx, b);
    await waitUntil(
      () => lastAssignment(a).length + lastAssignment(b).length === PARTITIONS && lastAssignment(a).length > 0,
      {
        what: 'both members to share the partitions',
        timeoutMs: 90_000,
        signal: ctx.signal,
      },
    );
    const rest = events.slice(upfront);
    // The load lasts past the freeze and the takeover, so that the frozen member resumes with fetched work.
    const loading = publishInBackground(ctx, () => ctx.publish(rest, { perSecond: rateFor(rest.length, 55) }));

    const delayMs = ctx.random.int(1_000, 5_000);
    await sleep(delayMs, ctx.signal);
    a.signal('SIGSTOP');
    const frozenAt = Date.now();
    const claimsOfABefore = a.count(CLAIMED);
    await waitUntil(() => lastAssignment(b).length === PARTITIONS, {
      what: 'the successor to own every partition',
      timeoutMs: 120_000,
      signal: ctx.signal,
    });
    const takenOverAfterMs = Date.now() - frozenAt;
    // Frozen 10 s past the takeover (the run froze for 40 s with the 30 s default).
    await sleep(10_000, ctx.signal);
    const resumedAt = Date.now();
    a.signal('SIGCONT');
    const loadedAt = await loading;
    const boundStart = Math.max(resumedAt, loadedAt);
    let drainedAt: number | undefined;
    try {
      drainedAt = await ctx.waitForDrain(Math.max(1_000, boundStart + DRAIN_BOUND_MS - Date.now()));
    } catch (error) {
      ctx.log(
        `not drained within ${DRAIN_BOUND_MS / 1000} s: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const reclaimed = a.count(CLAIMED) - claimsOfABefore;
    const fault = {
      frozenMember: 'member-a',
      sessionTimeoutMs: `${DEFAULT_SESSION_TIMEOUT_MS} (the default: SESSION_TIMEOUT_MS unset)`,
      msAfterBothWorking: delayMs,
      takenOverAfterSeconds: seconds(takenOverAfterMs),
      frozenSeconds: seconds(resumedAt - frozenAt),
      fencedLinesOfA: a.count(FENCED),
      claimsOfAAfterResume: reclaimed,
      partitionsOfAAtEnd: lastAssignment(a),
      restarts: a.restarts() + b.restarts(),
      drainBoundSeconds: DRAIN_BOUND_MS / 1000,
    };
    await Promise.all([a.stop(), b.stop()]);
    return {
      faultEndedAt: boundStart,
      drainedAt: drainedAt ?? Date.now(),
      fault,
      checks: [
        {
          name: 'frozen longer than the default session timeout',
          ok: resumedAt - frozenAt > DEFAULT_SESSION_TIMEOUT_MS,
        },
        {
          name: 'the resumed member claimed partitions again',
          ok: reclaimed > 0,
          detail: `${reclaimed} claims after SIGCONT`,
        },
        {
          name: `every partition drained within ${DRAIN_BOUND_MS / 1000} s of the resume and the last event, with no member restarted`,
          ok: drainedAt !== undefined && fault.restarts === 0,
          detail:
            drainedAt === undefined
              ? 'not drained'
              : `drained ${seconds(drainedAt - boundStart)} s after; ${fault.restarts} restarts`,
        },
      ],
    };
  },
};
