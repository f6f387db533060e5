import type { ConsumerProcess } from '../consumer-process.ts';
import type { ScenarioDefinition } from '../scenario.ts';
import type { ScenarioContext } from '../scenario-context.ts';
import {
  awaitExit,
  CLAIMED,
  publishInBackground,
  randomPause,
  rateFor,
  seconds,
  waitUntilWorking,
} from '../scenario-steps.ts';

type Leave = 'SIGTERM' | 'SIGKILL' | 'SIGTERM during a rebalance' | 'SIGTERM while starting';
/** The cycle kinds, in turn: graceful, dying, replaced (a rolling restart), stopped before it is up. */
const LEAVES: readonly Leave[] = ['SIGTERM', 'SIGKILL', 'SIGTERM during a rebalance', 'SIGTERM while starting'];

async function leave(ctx: ScenarioContext, member: ConsumerProcess, how: 'SIGTERM' | 'SIGKILL', since: number) {
  member.signal(how);
  const exit = await awaitExit(ctx, member, 45_000);
  return {
    member: member.name,
    how,
    exit: exit.code ?? exit.signal,
    claimed: member.count(CLAIMED),
    seconds: seconds(exit.at - since),
  };
}

/**
 * A rebalance storm: while one member works and events arrive, other members join and leave again and again,
 * each cycle another way: gracefully (SIGTERM), by dying (SIGKILL), replaced by a newcomer and stopped while the
 * group rebalances for it (a rolling restart), or stopped while it is still starting. Every join and leave moves
 * partitions.
 */
export const rebalanceStorm: ScenarioDefinition = {
  name: 'rebalance-storm',
  summary:
    'members join and leave 10 times (4 with --quick): SIGTERM, SIGKILL, rolling replacement, SIGTERM while starting',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 180_000 : 420_000),
  async run(ctx) {
    const cycles = ctx.quick ? 4 : 10;
    const events = ctx.simulate(ctx.quick ? 1_000 : 3_000);
    const upfront = Math.floor(events.length * 0.2);
    await ctx.publish(events.slice(0, upfront));
    const base = ctx.spawnMember('base');
    await waitUntilWorking(ctx, base);
    const rest = events.slice(upfront);
    const loading = publishInBackground(ctx, () => ctx.publish(rest, { perSecond: rateFor(rest.length, cycles * 4) }));
    const storm: Array<Record<string, unknown>> = [];
    for (let i = 1; i <= cycles; i++) {
      const kind = LEAVES[(i - 1) % LEAVES.length]!;
      const startedAt = Date.now();
      const joiner = ctx.spawnMember(`joiner-${i}`);
      if (kind === 'SIGTERM while starting') {
        const afterMs = await randomPause(ctx, 200, 1_200);
        storm.push({
          cycle: i,
          kind,
          msAfterStart: afterMs,
          ...(await leave(ctx, joiner, 'SIGTERM', startedAt + afterMs)),
        });
        continue;
      }
      await waitUntilWorking(ctx, joiner);
      const joinSeconds = seconds(Date.now() - startedAt);
      if (kind === 'SIGTERM during a rebalance') {
        const replacement = ctx.spawnMember(`replacement-${i}`);
        const afterMs = await randomPause(ctx, 300, 2_000);
        const old = await leave(ctx, joiner, 'SIGTERM', Date.now());
        await waitUntilWorking(ctx, replacement);
        const dwellMs = await randomPause(ctx, 300, 1_500);
        storm.push({
          cycle: i,
          kind,
          joinSeconds,
          msAfterReplacementStarted: afterMs,
          ...old,
          replacement: await leave(ctx, replacement, 'SIGTERM', Date.now()),
          replacementDwellMs: dwellMs,
        });
        continue;
      }
      const dwellMs = await randomPause(ctx, 300, 2_000);
      storm.push({ cycle: i, kind, joinSeconds, dwellMs, ...(await leave(ctx, joiner, kind, Date.now())) });
    }
    const lastLeaveAt = Date.now();
    const loadedAt = await loading;
    const drainedAt = await ctx.waitForDrain();
    await base.stop();
    const graceful = storm
      .flatMap((s) => [s, ...(s.replacement ? [s.replacement as Record<string, unknown>] : [])])
      .filter((s) => s.how === 'SIGTERM');
    return {
      faultEndedAt: Math.max(lastLeaveAt, loadedAt),
      drainedAt,
      fault: { cycles, lastLeaveToLoadEndSeconds: seconds(loadedAt - lastLeaveAt), storm },
      checks: [
        {
          name: 'every member stopped with SIGTERM exited 0',
          ok: graceful.every((s) => s.exit === 0),
          gating: false,
          detail:
            graceful
              .filter((s) => s.exit !== 0)
              .map((s) => `${s.member}: ${s.exit}`)
              .join(', ') || undefined,
        },
      ],
    };
  },
};
