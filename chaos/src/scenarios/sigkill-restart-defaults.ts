import { RUNTIME_DEFAULTS } from '@spr/consumer-runtime';
import type { ScenarioDefinition } from '../scenario.ts';
import { APP_DEFAULTS } from '../scenario-context.ts';
import {
  awaitExit,
  publishInBackground,
  rateFor,
  seconds,
  waitForProgress,
  waitUntilWorking,
} from '../scenario-steps.ts';
import { sleep } from '../wait-until.ts';

/**
 * What a user sees after a crash with the settings they run: a consumer working while events arrive at a steady
 * rate, with the app's defaults, is SIGKILLed at a random moment and started again at once, as a supervisor would.
 * The other scenarios use a 3 s session timeout; here the group waits the default 30 s for the dead member's
 * session to expire before it rebalances, and that wait is the recovery time this scenario reports
 * (`firstProgressSeconds`: from the restart to the first offset the new member stores).
 */
export const sigkillRestartDefaults: ScenarioDefinition = {
  name: 'sigkill-restart-defaults',
  summary:
    'default session settings: the consumer SIGKILLed at a random moment while events arrive, restarted at once; reports the time to its first progress',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 180_000 : 240_000),
  async run(ctx) {
    const events = ctx.simulate(ctx.quick ? 1_500 : 3_000);
    const upfront = Math.floor(events.length * 0.1);
    await ctx.publish(events.slice(0, upfront));
    const victim = ctx.spawnMember('victim', APP_DEFAULTS);
    await waitUntilWorking(ctx, victim);
    await waitForProgress(ctx, 0n);
    // The load outlasts the kill and the session timeout, so the new member always has events to apply.
    const rest = events.slice(upfront);
    let loaded = false;
    const loading = publishInBackground(ctx, () => ctx.publish(rest, { perSecond: rateFor(rest.length, 50) })).then(
      (at) => {
        loaded = true;
        return at;
      },
    );
    const delayMs = ctx.random.int(1_000, 4_000);
    await sleep(delayMs, ctx.signal);
    const loadingAtKill = !loaded;
    victim.signal('SIGKILL');
    const exit = await awaitExit(ctx, victim, 30_000);
    const progressAtKill = await ctx.progress();
    const restartedAt = Date.now();
    const survivor = ctx.spawnMember('survivor', APP_DEFAULTS);
    await waitForProgress(ctx, progressAtKill, 120_000);
    const firstProgressAt = Date.now();
    const loadedAt = await loading;
    const drainedAt = await ctx.waitForDrain();
    await survivor.stop();
    return {
      faultEndedAt: Math.max(restartedAt, loadedAt),
      drainedAt,
      fault: {
        sessionTimeoutMs: `${RUNTIME_DEFAULTS.sessionTimeoutMs} (the default: SESSION_TIMEOUT_MS unset)`,
        killedMsAfterLoadStarted: delayMs,
        victimSignal: exit.signal,
        storedOffsetsAtKill: Number(progressAtKill),
        firstProgressSeconds: seconds(firstProgressAt - restartedAt),
      },
      checks: [
        {
          name: 'the victim died by SIGKILL while events were arriving',
          ok: exit.signal === 'SIGKILL' && loadingAtKill,
          detail: `exit ${JSON.stringify(exit)}`,
        },
      ],
    };
  },
};
