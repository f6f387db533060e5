import type { PaymentEvent } from '@spr/contracts';
import type { ScenarioDefinition } from '../scenario.ts';
import { publishInBackground, waitUntilWorking } from '../scenario-steps.ts';

/**
 * Duplicate producer retries: the same event sent again right after itself (a retry whose first attempt had
 * landed), again later behind the payment's next events (a late retry), and a whole batch sent again at the end
 * (a re-publish). Same event id and payload, new offsets: each must be skipped, none applied twice.
 */
export const producerRetries: ScenarioDefinition = {
  name: 'producer-retries',
  summary: 'duplicate producer retries: events re-sent right away, later, and a whole batch re-published',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 120_000 : 240_000),
  async run(ctx) {
    const events = ctx.simulate(ctx.quick ? 500 : 1_500);
    const sends: PaymentEvent[] = [];
    const late = new Map<number, PaymentEvent[]>();
    let immediate = 0;
    let delayed = 0;
    events.forEach((event, i) => {
      for (const e of late.get(i) ?? []) sends.push(e);
      sends.push(event);
      const roll = ctx.random.next();
      if (roll < 0.08) {
        sends.push(event);
        immediate++;
      } else if (roll < 0.12) {
        const at = Math.min(events.length - 1, i + ctx.random.int(5, 300));
        late.set(at, [...(late.get(at) ?? []), event]);
        delayed++;
      }
    });
    const from = ctx.random.int(0, Math.max(0, events.length - 300));
    const republished = events.slice(from, from + 250);
    sends.push(...republished);
    const member = ctx.spawnMember('member');
    await waitUntilWorking(ctx, member).catch(() => undefined);
    const loading = publishInBackground(ctx, () => ctx.publish(sends, { perSecond: Math.ceil(sends.length / 10) }));
    const lastSendAt = await loading;
    const drainedAt = await ctx.waitForDrain();
    await member.stop();
    const duplicates = sends.length - events.length;
    return {
      faultEndedAt: lastSendAt,
      drainedAt,
      fault: {
        events: events.length,
        sends: sends.length,
        retriedImmediately: immediate,
        retriedLate: delayed,
        republishedBatch: republished.length,
      },
      assess: (v) => [
        {
          name: 'every duplicate send was skipped',
          ok: v.duplicatesSkipped === duplicates,
          detail: `${v.duplicatesSkipped} skipped, ${duplicates} sent twice`,
        },
      ],
    };
  },
};
