import { RUNTIME_DEFAULTS } from '@spr/consumer-runtime';
import type { ScenarioDefinition } from '../scenario.ts';
import { APP_DEFAULTS } from '../scenario-context.ts';
import { awaitExit, seconds, waitForProgress, waitUntilWorking } from '../scenario-steps.ts';
import { sleep } from '../wait-until.ts';

/**
 * What a user sees after a crash with the settings they run: a consumer working through a backlog with the app's
 * defaults is SIGKILLed at a random moment and started again at once, as a supervisor would. The other scenarios
 * use a 3 s session timeout; here the group waits the default 30 s for the dead member's session to expire before
 * it rebalances, and that wait is the recovery time this scenario reports (`firstProgressSeconds`).
 */
export const sigkillRestartDefaults: ScenarioDefinition = {
  name: 'sigkill-restart-defaults',
  summary: 'default session settings: the consumer SIGKILLed at a random moment under a backlog and restarted at once; reports the time to its first progress',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 180_000 : 240_000),
  async run(ctx) {
    await ctx.publish(ctx.simulate(ctx.quick ? 1_500 : 3_000));
    const victim = ctx.spawnMember('victim', APP_DEFAULTS);
    await waitUntilWorking(ctx, victim);
    await waitForProgress(ctx, 0n);
    const delayMs = ctx.random.int(0, 1_000);
    await sleep(delayMs, ctx.signal);
    victim.signal('SIGKILL');
    const exit = await awaitExit(ctx, victim, 30_000);
    const progressAtKill = await ctx.progress();
    const restartedAt = Date.now();
    const survivor = ctx.spawnMember('survivor', APP_DEFAULTS);
    await waitForProgress(ctx, progressAtKill, 120_000);
    const firstProgressAt = Date.now();
    const drainedAt = await ctx.waitForDrain();
    await survivor.stop();
    const ends = [...(await ctx.endOffsets()).values()].reduce((a, b) => a + b, 0n);
    return {
      faultEndedAt: restartedAt,
      drainedAt,
      fault: {
        sessionTimeoutMs: `${RUNTIME_DEFAULTS.sessionTimeoutMs} (the default: SESSION_TIMEOUT_MS unset)`,
        killedMsAfterFirstProgress: delayMs,
        victimSignal: exit.signal,
        storedOffsetsAtKill: Number(progressAtKill),
        logEnd: Number(ends),
        firstProgressSeconds: seconds(firstProgressAt - restartedAt),
      },
      checks: [{ name: 'the victim died by SIGKILL with events still to apply', ok: exit.signal === 'SIGKILL' && progressAtKill < ends, detail: `exit ${JSON.stringify(exit)}, ${progressAtKill} of ${ends}` }],
    };
  },
};
