import { setTimeout as sleep } from 'node:timers/promises';
import type { ScenarioDefinition } from '../scenario.ts';
import {
  publishInBackground,
  randomPause,
  rateFor,
  seconds,
  waitForProgress,
  waitUntilWorking,
} from '../scenario-steps.ts';
import { waitUntil } from '../wait-until.ts';

/** PostgreSQL restarted with `pg_ctl restart -m immediate` (every backend dies, crash recovery) mid-load. */
export const postgresRestart: ScenarioDefinition = {
  name: 'postgres-immediate-restart',
  summary: 'PostgreSQL pg_ctl restart -m immediate while the consumer commits',
  breaksServices: true,
  timeoutMs: (quick) => (quick ? 150_000 : 240_000),
  async run(ctx) {
    const events = ctx.simulate(ctx.quick ? 800 : 2_500);
    const upfront = Math.floor(events.length * 0.25);
    await ctx.publish(events.slice(0, upfront));
    const member = ctx.spawnMember('member');
    await waitUntilWorking(ctx, member);
    const rest = events.slice(upfront);
    const loading = publishInBackground(ctx, () => ctx.publish(rest, { perSecond: rateFor(rest.length, 4) }));
    await waitForProgress(ctx, 0n);
    await randomPause(ctx, 300, 3_000);
    const atRestart = await waitUntil(() => ctx.progress(), {
      what: 'the stored offsets',
      timeoutMs: 10_000,
      signal: ctx.signal,
    });
    const began = Date.now();
    const { pidBefore, pidAfter } = await ctx.stack.restartPostgresImmediate();
    const upAt = Date.now();
    const loadedAt = await loading;
    const drainedAt = await ctx.waitForDrain();
    await member.stop();
    return {
      faultEndedAt: Math.max(upAt, loadedAt),
      drainedAt,
      fault: {
        mode: 'immediate',
        postmasterBefore: pidBefore,
        postmasterAfter: pidAfter,
        storedOffsetsAtRestart: Number(atRestart),
        restartSeconds: seconds(upAt - began),
        loadFinishedSecondsAfterRestart: seconds(loadedAt - upAt),
      },
    };
  },
};

/** The consumer's connections killed with pg_terminate_backend (application_name 'payment-consumer') several times. */
export const backendTermination: ScenarioDefinition = {
  name: 'postgres-terminate-backend',
  summary: "pg_terminate_backend of the consumer's connections (application_name 'payment-consumer'), 3 times",
  // Only the connections to this scenario's own database are terminated, so another stack user is never hit.
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 150_000 : 240_000),
  async run(ctx) {
    const rounds = ctx.quick ? 2 : 3;
    const events = ctx.simulate(ctx.quick ? 800 : 2_500);
    const upfront = Math.floor(events.length * 0.25);
    await ctx.publish(events.slice(0, upfront));
    const member = ctx.spawnMember('member');
    await waitUntilWorking(ctx, member);
    const rest = events.slice(upfront);
    const loading = publishInBackground(ctx, () => ctx.publish(rest, { perSecond: rateFor(rest.length, 4) }));
    await waitForProgress(ctx, 0n);
    const terminations: Array<{ afterMs: number; terminated: number; active: number }> = [];
    for (let i = 0; i < rounds; i++) {
      const afterMs = await randomPause(ctx, 300, 2_500);
      const { rows } = await ctx.pool.query<{ terminated: number; active: number }>(
        `select count(*) filter (where pg_terminate_backend(pid))::int as terminated, count(*) filter (where state = 'active' or state like 'idle in transaction%')::int as active
           from pg_stat_activity where application_name = 'payment-consumer' and datname = $1`,
        [ctx.database],
      );
      terminations.push({ afterMs, ...rows[0]! });
    }
    const lastAt = Date.now();
    const loadedAt = await loading;
    const drainedAt = await ctx.waitForDrain();
    await member.stop();
    return {
      faultEndedAt: Math.max(lastAt, loadedAt),
      drainedAt,
      fault: {
        rounds,
        terminations,
        backendsTerminated: terminations.reduce((n, t) => n + t.terminated, 0),
        loadFinishedSecondsAfterLastTermination: seconds(loadedAt - lastAt),
      },
      checks: [
        {
          name: 'connections of the consumer were terminated',
          ok: terminations.some((t) => t.terminated > 0),
          detail: JSON.stringify(terminations),
        },
      ],
    };
  },
};

/** A lock stall: the payments table locked exclusively for 30 s (10 s with --quick) while events keep arriving. */
export const lockStall: ScenarioDefinition = {
  name: 'postgres-lock-stall',
  summary: 'payments table locked exclusively for 30 s (10 s with --quick) while events arrive',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 150_000 : 240_000),
  async run(ctx) {
    const stallMs = ctx.quick ? 10_000 : 30_000;
    const events = ctx.simulate(ctx.quick ? 800 : 2_500);
    const warmup = Math.floor(events.length * 0.2);
    const member = ctx.spawnMember('member');
    await ctx.publish(events.slice(0, warmup));
    await ctx.waitForDrain();
    const claimsBefore = member.count('claimed partition; seeking to the stored offset');
    const locker = await ctx.pool.connect();
    let lockedAt = 0;
    let releasedAt = 0;
    try {
      await locker.query('begin');
      await locker.query('lock table payments in exclusive mode');
      lockedAt = Date.now();
      const rest = events.slice(warmup);
      await ctx.publish(rest, { perSecond: rateFor(rest.length, (stallMs / 1000) * 0.8) });
      const left = lockedAt + stallMs - Date.now();
      if (left > 0) await sleep(left);
    } finally {
      await locker.query('commit').catch(() => undefined);
      locker.release();
      releasedAt = Date.now();
    }
    const drainedAt = await ctx.waitForDrain();
    await member.stop();
    return {
      faultEndedAt: releasedAt,
      drainedAt,
      fault: {
        stallSeconds: seconds(releasedAt - lockedAt),
        pausedFetching: member.count('pausing fetches: backpressure') > 0,
        resumedFetching: member.count('resuming fetches') > 0,
        rebalancedDuringStall: member.count('claimed partition; seeking to the stored offset') > claimsBefore,
      },
    };
  },
};
