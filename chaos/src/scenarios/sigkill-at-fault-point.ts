import { FAULT_POINTS, type FaultPoint } from '@spr/consumer-runtime';
import type { ScenarioDefinition } from '../scenario.ts';
import { awaitExit, seconds } from '../scenario-steps.ts';

const CHUNK = '100';

/**
 * SIGKILL at a named fault point of a chunk's life (SPR_FAULT_POINT=<point>:<visit>, the visit drawn from the
 * seed): the consumer kills itself there, a new one starts and must apply every event exactly once.
 */
export function sigkillAtFaultPoint(point: FaultPoint): ScenarioDefinition {
  return {
    name: `sigkill-${point}`,
    summary: `consumer SIGKILLed at the fault point '${point}', then restarted`,
    breaksServices: false,
    timeoutMs: (quick) => (quick ? 120_000 : 240_000),
    async run(ctx) {
      const events = ctx.simulate(ctx.quick ? 400 : 1_200);
      await ctx.publish(events);
      // after-fetch counts fetched batches (a few per partition); the others count chunks of CHUNK events.
      const visit = point === 'after-fetch' ? ctx.random.int(1, 4) : ctx.random.int(2, 8);
      const victim = ctx.spawnMember('victim', { SPR_FAULT_POINT: `${point}:${visit}`, CHUNK_MAX_EVENTS: CHUNK });
      const exit = await awaitExit(ctx, victim, 90_000);
      const diedThere = victim.lines().some((l) => l.point === point);
      const progressAtKill = await ctx.progress();
      const restartedAt = Date.now();
      const survivor = ctx.spawnMember('survivor', { CHUNK_MAX_EVENTS: CHUNK });
      const drainedAt = await ctx.waitForDrain();
      await survivor.stop();
      return {
        faultEndedAt: restartedAt,
        drainedAt,
        fault: {
          point,
          visit,
          victimSignal: exit.signal,
          victimLivedSeconds: seconds(exit.at - victim.startedAt),
          storedOffsetsAtKill: Number(progressAtKill),
        },
        checks: [
          {
            name: `the victim died by SIGKILL at ${point}`,
            ok: exit.signal === 'SIGKILL' && diedThere,
            detail: `exit ${JSON.stringify(exit)}, logged the fault point: ${diedThere}`,
          },
        ],
      };
    },
  };
}

export const SIGKILL_AT_FAULT_POINTS: readonly ScenarioDefinition[] = FAULT_POINTS.map(sigkillAtFaultPoint);
