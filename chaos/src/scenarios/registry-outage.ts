import { PAYMENT_EVENT_TYPES } from '@spr/contracts';
import type { ScenarioDefinition } from '../scenario.ts';
import type { ScenarioContext } from '../scenario-context.ts';
import { seconds, waitUntilWorking } from '../scenario-steps.ts';
import { sleep } from '../wait-until.ts';

/** The registry is in-memory: killing it would lose every schema. "Down" is SIGSTOP: it answers nothing. */
const outageMs = (ctx: ScenarioContext) => (ctx.quick ? 6_000 : 15_000);

const noDeadLetters = { name: 'nothing was dead-lettered because of the outage', ok: true } as const;

/**
 * Registry down with a warm cache: the consumer has decoded every schema id already, the registry freezes, and
 * events keep coming. The consumer must go on (it needs nothing from the registry) and dead-letter nothing.
 */
export const registryDownWarm: ScenarioDefinition = {
  name: 'registry-down-warm',
  summary: 'schema registry frozen (SIGSTOP) after the consumer decoded every schema id; events keep arriving',
  breaksServices: true,
  timeoutMs: (quick) => (quick ? 150_000 : 240_000),
  async run(ctx) {
    const warmup = ctx.simulate(ctx.quick ? 300 : 600, 'warmup');
    const types = new Set(warmup.map((e) => e.type));
    const member = ctx.spawnMember('member');
    await waitUntilWorking(ctx, member).catch(() => undefined);
    await ctx.publish(warmup);
    await ctx.waitForDrain();
    const events = ctx.simulate(ctx.quick ? 600 : 1_500);
    const { pid } = ctx.stack.freezeRegistry();
    const frozenAt = Date.now();
    let drainedWhileDown = false;
    try {
      // The producer's own codec cached every schema id too: it sends without the registry.
      await ctx.publish(events);
      drainedWhileDown = await ctx.waitForDrain(Math.max(5_000, frozenAt + outageMs(ctx) * 4 - Date.now())).then(
        () => true,
        () => false,
      );
      const left = frozenAt + outageMs(ctx) - Date.now();
      if (left > 0) await sleep(left, ctx.signal);
    } finally {
      ctx.stack.thawRegistry();
    }
    const thawedAt = Date.now();
    const drainedAt = await ctx.waitForDrain();
    await member.stop();
    return {
      faultEndedAt: thawedAt,
      drainedAt,
      fault: {
        registryPid: pid,
        downSeconds: seconds(thawedAt - frozenAt),
        drainedWhileDown,
        warmupEventTypes: [...types].sort(),
      },
      checks: [
        {
          name: 'the warm-up decoded every event type (every schema id)',
          ok: PAYMENT_EVENT_TYPES.every((t) => types.has(t)),
          detail: [...types].join(', '),
        },
        { name: 'the consumer drained while the registry was down (warm cache)', ok: drainedWhileDown },
      ],
      assess: (v) => [{ ...noDeadLetters, ok: v.deadLettered === 0, detail: `${v.deadLettered} dead-lettered` }],
    };
  },
};

/**
 * Registry down with a cold cache: a consumer starts while the registry answers nothing, so it cannot decode any
 * event. It must wait and retry (never dead-letter), and catch up once the registry is back.
 */
export const registryDownCold: ScenarioDefinition = {
  name: 'registry-down-cold',
  summary: 'schema registry frozen (SIGSTOP) before a consumer with a cold cache starts; then SIGCONT',
  breaksServices: true,
  timeoutMs: (quick) => (quick ? 150_000 : 240_000),
  async run(ctx) {
    const events = ctx.simulate(ctx.quick ? 600 : 1_500);
    await ctx.publish(events);
    const { pid } = ctx.stack.freezeRegistry();
    const frozenAt = Date.now();
    let progressWhileDown = 0n;
    const member = ctx.spawnMember('member');
    try {
      await sleep(outageMs(ctx), ctx.signal);
      progressWhileDown = await ctx.progress();
    } finally {
      ctx.stack.thawRegistry();
    }
    const thawedAt = Date.now();
    const retries = member.count('decoding failed transiently (schema registry?); retrying');
    const drainedAt = await ctx.waitForDrain();
    await member.stop();
    return {
      faultEndedAt: thawedAt,
      drainedAt,
      fault: {
        registryPid: pid,
        downSeconds: seconds(thawedAt - frozenAt),
        storedOffsetsWhileDown: Number(progressWhileDown),
        decodeRetriesLogged: retries,
      },
      checks: [
        {
          name: 'the consumer noticed the outage (a transient decode failure logged and retried)',
          ok: retries > 0,
          gating: false,
          detail:
            retries > 0
              ? undefined
              : 'no retry was logged: the registry lookup hung until the registry answered again (the registry client has no request timeout)',
        },
      ],
      assess: (v) => [{ ...noDeadLetters, ok: v.deadLettered === 0, detail: `${v.deadLettered} dead-lettered` }],
    };
  },
};
