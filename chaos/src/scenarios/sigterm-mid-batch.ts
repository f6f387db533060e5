import type { ScenarioDefinition } from '../scenario.ts';
import { awaitExit, randomPause, seconds, waitForProgress } from '../scenario-steps.ts';

/**
 * SIGTERM while a large fetched batch is being worked through: the consumer must let the chunk in flight commit,
 * leave the group and exit 0 promptly; the next one continues exactly where it stopped.
 */
export const sigtermMidBatch: ScenarioDefinition = {
  name: 'sigterm-mid-batch',
  summary: 'consumer SIGTERMed in the middle of a batch (graceful drain), then restarted',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 120_000 : 240_000),
  async run(ctx) {
    const events = ctx.simulate(ctx.quick ? 1_500 : 4_000);
    await ctx.publish(events);
    const member = ctx.spawnMember('graceful', { CHUNK_MAX_EVENTS: '100' });
    await waitForProgress(ctx, 0n);
    const pauseMs = await randomPause(ctx, 0, 300);
    const atTerm = await ctx.progress();
    member.signal('SIGTERM');
    const termAt = Date.now();
    const exit = await awaitExit(ctx, member, 60_000);
    const atExit = await ctx.progress();
    const restartedAt = Date.now();
    const successor = ctx.spawnMember('successor', { CHUNK_MAX_EVENTS: '100' });
    const drainedAt = await ctx.waitForDrain();
    await successor.stop();
    const midBatch = atTerm < BigInt(events.length);
    return {
      faultEndedAt: restartedAt,
      drainedAt,
      fault: {
        msAfterFirstCommit: pauseMs,
        storedOffsetsAtSigterm: Number(atTerm),
        storedOffsetsAtExit: Number(atExit),
        events: events.length,
        exitCode: exit.code,
        stopSeconds: seconds(exit.at - termAt),
      },
      checks: [
        {
          name: 'SIGTERM arrived while events were still to be applied',
          ok: midBatch,
          detail: `${atTerm} of ${events.length} offsets stored`,
        },
        {
          name: 'the consumer drained and exited 0 within 30 s',
          ok: exit.code === 0 && exit.at - termAt <= 30_000,
          detail: `exit ${exit.code ?? exit.signal} after ${seconds(exit.at - termAt)} s`,
        },
      ],
    };
  },
};
