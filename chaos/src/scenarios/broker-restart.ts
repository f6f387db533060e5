import type { ScenarioDefinition } from '../scenario.ts';
import {
  publishInBackground,
  randomPause,
  rateFor,
  seconds,
  waitForProgress,
  waitUntilWorking,
} from '../scenario-steps.ts';

/** The broker killed with -9 while the consumer works and events arrive, down for a few seconds, then restarted. */
export const brokerRestart: ScenarioDefinition = {
  name: 'broker-kill-restart',
  summary: 'Kafka broker kill -9 while consuming and producing, restarted after a few seconds',
  breaksServices: true,
  timeoutMs: (quick) => (quick ? 180_000 : 300_000),
  async run(ctx) {
    const events = ctx.simulate(ctx.quick ? 800 : 2_500);
    const upfront = Math.floor(events.length * 0.25);
    await ctx.publish(events.slice(0, upfront));
    const member = ctx.spawnMember('member');
    await waitUntilWorking(ctx, member);
    const rest = events.slice(upfront);
    const loading = publishInBackground(ctx, () => ctx.publish(rest, { perSecond: rateFor(rest.length, 8) }));
    await waitForProgress(ctx, 0n);
    await randomPause(ctx, 500, 3_000);
    const atKill = await ctx.progress();
    const { pid } = await ctx.stack.killKafka();
    const killedAt = Date.now();
    const downMs = await randomPause(ctx, 2_000, 5_000);
    const { pid: newPid } = await ctx.stack.startKafka();
    const upAt = Date.now();
    const loadedAt = await loading;
    const drainedAt = await ctx.waitForDrain();
    await member.stop();
    return {
      faultEndedAt: Math.max(upAt, loadedAt),
      drainedAt,
      fault: {
        brokerPid: pid,
        restartedPid: newPid,
        storedOffsetsAtKill: Number(atKill),
        chosenDowntimeSeconds: seconds(downMs),
        unavailableSeconds: seconds(upAt - killedAt),
        loadFinishedSecondsAfterRestart: seconds(loadedAt - upAt),
      },
    };
  },
};
