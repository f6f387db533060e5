import type { ScenarioDefinition } from '../scenario.ts';
import { awaitExit, publishInBackground, rateFor, waitUntilWorking } from '../scenario-steps.ts';
import { sleep } from '../wait-until.ts';

const JOIN_AND_KILL_SECONDS = 4.5;

/**
 * SIGKILL at moments nobody chose: one member after another is killed at a random time (from the seed) after it
 * claimed its partitions, while events keep arriving; then a last member drains what is left.
 */
export const sigkillRandom: ScenarioDefinition = {
  name: 'sigkill-random',
  summary: 'consumer SIGKILLed at 20 random moments (5 with --quick) while events arrive, then restarted',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 150_000 : 420_000),
  async run(ctx) {
    const kills = ctx.quick ? 5 : 20;
    const events = ctx.simulate(ctx.quick ? 1_200 : 5_000);
    const upfront = Math.floor(events.length * 0.2);
    await ctx.publish(events.slice(0, upfront));
    const rest = events.slice(upfront);
    const loading = publishInBackground(ctx, () =>
      ctx.publish(rest, { perSecond: rateFor(rest.length, kills * JOIN_AND_KILL_SECONDS) }),
    );
    const schedule: Array<Record<string, unknown>> = [];
    for (let i = 1; i <= kills; i++) {
      const victim = ctx.spawnMember(`victim-${i}`, { CHUNK_MAX_EVENTS: '50' });
      await waitUntilWorking(ctx, victim);
      const before = await ctx.progress();
      const delayMs = ctx.random.int(0, 1_000);
      await sleep(delayMs, ctx.signal);
      victim.signal('SIGKILL');
      const exit = await awaitExit(ctx, victim, 15_000);
      schedule.push({
        kill: i,
        msAfterClaim: delayMs,
        livedSeconds: Math.round((exit.at - victim.startedAt) / 100) / 10,
        committedBeforeKill: Number((await ctx.progress()) - before),
        signal: exit.signal,
      });
    }
    const loadedAt = await loading;
    const restartedAt = Date.now();
    const survivor = ctx.spawnMember('survivor');
    const drainedAt = await ctx.waitForDrain();
    await survivor.stop();
    const killedMidWork = schedule.filter((k) => (k.committedBeforeKill as number) > 0).length;
    return {
      faultEndedAt: restartedAt,
      drainedAt,
      fault: {
        kills,
        killedWhileCommitting: killedMidWork,
        loadFinishedSecondsBeforeRestart: Math.round((restartedAt - loadedAt) / 100) / 10,
        schedule,
      },
      checks: [
        {
          name: `all ${kills} kills landed by SIGKILL`,
          ok: schedule.length === kills && schedule.every((k) => k.signal === 'SIGKILL'),
        },
        {
          name: 'some kills landed while the victim was committing',
          ok: killedMidWork > 0,
          detail: `${killedMidWork} of ${kills}`,
        },
      ],
    };
  },
};
