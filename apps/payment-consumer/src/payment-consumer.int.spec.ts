import { readGroupOffsets } from '@spr/consumer-runtime';
import { simulatePayments, type Payment } from '@spr/payments-domain';
import { applyPaymentEvent } from '@spr/payments-domain';
import type { PaymentEvent } from '@spr/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentConsumer } from './payment-consumer.ts';
import { createPaymentFixture, type PaymentFixture } from './test-support/payment-fixture.ts';

let fx: PaymentFixture;
beforeAll(async () => {
  fx = await createPaymentFixture('consumer_e2e');
});
afterAll(() => fx.close());

/** What the ledger must hold after `events`, computed by the pure state machine alone. */
function expectedPayments(events: PaymentEvent[]): Map<string, Payment> {
  const out = new Map<string, Payment>();
  for (const e of events) {
    const step = applyPaymentEvent(out.get(e.payload.entity_id), e);
    if (step.ok) out.set(e.payload.entity_id, step.payment);
  }
  return out;
}

describe('payment consumer', () => {
  it('applies a stream with redeliveries exactly once, in order, into a balanced ledger', async () => {
    const events = [...simulatePayments({ payments: 300, seed: 42 })];
    // About 5% of the events are delivered twice (a producer retry, an outbox re-publish).
    const withDuplicates = events.flatMap((e, i) => (i % 20 === 7 ? [e, e] : [e]));
    await fx.publish(withDuplicates);
    const config = fx.config();
    const consumer = createPaymentConsumer(config, fx.logger);
    await consumer.start();
    try {
      await fx.waitForDrain(config.groupId);
    } finally {
      await consumer.stop();
    }

    const expected = expectedPayments(events);
    const { rows } = await fx.pool.query<{
      payment_id: string;
      state: string;
      captured_minor: string;
      refunded_minor: string;
    }>('select payment_id, state, captured_minor, refunded_minor from payments');
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const want = expected.get(row.payment_id)!;
      expect({ state: row.state, captured: BigInt(row.captured_minor), refunded: BigInt(row.refunded_minor) }).toEqual({
        state: want.state,
        captured: want.capturedMinor,
        refunded: want.refundedMinor,
      });
    }
    const processed = await fx.pool.query<{ n: number; distinct_ids: number }>(
      `select count(*)::int as n, count(distinct event_id)::int as distinct_ids from processed_events where outcome = 'applied'`,
    );
    expect(processed.rows[0]).toEqual({ n: events.length, distinct_ids: events.length });
    const offsets = { applied: 0n, duplicates: 0n, total: 0n };
    for (const o of await readGroupOffsets(fx.pool, config.groupId)) {
      offsets.applied += o.counts.applied;
      offsets.duplicates += o.counts.duplicates;
      offsets.total += o.nextOffset - o.firstOffset;
    }
    expect(offsets).toEqual({
      applied: BigInt(events.length),
      duplicates: BigInt(withDuplicates.length - events.length),
      total: BigInt(withDuplicates.length),
    });
    const balance = await fx.pool.query<{ net: string }>(
      `select coalesce(sum(balance_minor), 0) as net from account_balances`,
    );
    expect(balance.rows[0]!.net).toBe('0');
  });
});
