import { FENCED_MESSAGE } from '@spr/consumer-runtime';
import type { ConsumerProcess, ExitInfo } from './consumer-process.ts';
import { ChaosError } from './chaos-error.ts';
import type { ScenarioContext } from './scenario-context.ts';
import { sleep, waitUntil } from './wait-until.ts';

export const CLAIMED = 'claimed partition; seeking to the stored offset';
export const ASSIGNED = 'assigned';
/** The line a member logs when it finds that another member claimed one of its partitions. */
export const FENCED = FENCED_MESSAGE;

/** Waits for a member to exit (it was told to, or it kills itself at a fault point). */
export async function awaitExit(ctx: ScenarioContext, member: ConsumerProcess, timeoutMs: number): Promise<ExitInfo> {
  await waitUntil(() => member.exitInfo(), {
    what: `${member.name} (pid ${member.pid}) to exit`,
    timeoutMs,
    intervalMs: 50,
    signal: ctx.signal,
  });
  return member.exitInfo()!;
}

/** Waits until the group's stored offsets moved past `above` (the consumer is working). */
export async function waitForProgress(ctx: ScenarioContext, above: bigint, timeoutMs = 60_000): Promise<bigint> {
  return waitUntil(
    async () => {
      const now = await ctx.progress();
      return now > above ? now : undefined;
    },
    { what: `progress past ${above} stored offsets`, timeoutMs, intervalMs: 50, signal: ctx.signal },
  );
}

/** Waits until the member has been assigned partitions and claimed at least one (it takes part in the group). */
export async function waitUntilWorking(
  ctx: ScenarioContext,
  member: ConsumerProcess,
  timeoutMs = 60_000,
): Promise<void> {
  await waitUntil(() => member.count(CLAIMED) > 0 || member.exitInfo() !== undefined, {
    what: `${member.name} to claim a partition`,
    timeoutMs,
    intervalMs: 50,
    signal: ctx.signal,
  });
  if (member.exitInfo())
    throw new ChaosError(
      'FAULT_NOT_INJECTED',
      `${member.name} exited before it claimed a partition: ${JSON.stringify(member.exitInfo())}`,
    );
}

/** Publishes in the background; the returned promise is awaited later (a failure is reported then). */
export function publishInBackground(ctx: ScenarioContext, publish: () => Promise<void>): Promise<number> {
  const done = publish().then(() => Date.now());
  done.catch(() => undefined);
  return done;
}

/** A random pause in [minMs, maxMs] from the scenario's seed. */
export function randomPause(ctx: ScenarioContext, minMs: number, maxMs: number): Promise<number> {
  const ms = ctx.random.int(minMs, maxMs);
  return sleep(ms, ctx.signal).then(() => ms);
}

/** Events per second that spread `events` over `seconds`. */
export const rateFor = (events: number, seconds: number) => Math.max(50, Math.ceil(events / seconds));

export const seconds = (ms: number) => Math.round(ms / 100) / 10;
