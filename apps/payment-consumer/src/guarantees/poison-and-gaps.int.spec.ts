/**
 * G3 under bad input: every kind of poison lands in dead_letters with its reason while the partition keeps
 * flowing; a sequence gap parks only its entity; parked events follow their predecessor in order; a redrive
 * applies dead letters after a fix and releases an abandoned gap.
 */
import { createConsumerRuntime, redriveDeadLetters, redriveParked, type FoldHandler } from '@spr/consumer-runtime';
import { writeWireFormat, type PaymentEvent } from '@spr/contracts';
import { applyPaymentEvent, simulatePayments, type Payment } from '@spr/payments-domain';
import { compositeKey, partitionFor } from '@spr/routing';
import { waitFor } from '@spr/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerHandler, type LedgerPosting } from '@spr/payments-ledger';
import { createPaymentDecoder } from '@spr/payments-ledger';
import { createPaymentFixture, PARTITIONS, type PaymentFixture } from '../test-support/payment-fixture.ts';

/** Larger than the consumer's limit in this test, smaller than the broker's. */
const OVERSIZE = 300 * 1024;
let fx: PaymentFixture;
beforeAll(async () => {
  fx = await createPaymentFixture('poison');
});
afterAll(() => fx.close());

/** Payment ids that all land on one partition, so poison and good events share it. */
function idsOnOnePartition(count: number, prefix: string): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    const id = `${prefix}-${i}`;
    if (partitionFor(compositeKey({ entityType: 'payment', entityId: id }), PARTITIONS) === 0) ids.push(id);
  }
  return ids;
}

const simulated = [...simulatePayments({ payments: 400, seed: 11 })];

const used = new Set<string>();

/** The events of a simulated payment (not used yet) whose lifecycle matches, re-keyed to `id`. */
function lifecycle(id: string, match: (events: PaymentEvent[]) => boolean): PaymentEvent[] {
  const byPayment = new Map<string, PaymentEvent[]>();
  for (const e of simulated) byPayment.set(e.payload.entity_id, [...(byPayment.get(e.payload.entity_id) ?? []), e]);
  const found = [...byPayment.entries()].find(([simulatedId, events]) => !used.has(simulatedId) && match(events));
  if (!found) throw new Error('no simulated payment has that lifecycle');
  used.add(found[0]);
  return found[1].map((e) => ({ ...e, payload: { ...e.payload, entity_id: id } }) as PaymentEvent);
}

function finalState(events: PaymentEvent[]): string | undefined {
  let payment: Payment | undefined;
  for (const event of events) {
    const step = applyPaymentEvent(payment, event);
    if (step.ok) payment = step.payment;
  }
  return payment?.state;
}

const refunds = (events: PaymentEvent[]) => events.filter((e) => e.type === 'PaymentRefunded').length;

describe('poison, gaps and redrive', () => {
  it('dead-letters every poison kind, parks only the entity with a gap, and redrives', async () => {
    const [good1, good2, gapped, abandoned, buggy, refused] = idsOnOnePartition(6, 'pp');
    const events1 = lifecycle(good1!, (e) => e.length >= 3 && refunds(e) === 0);
    const events2 = lifecycle(good2!, (e) => e.length >= 3 && refunds(e) === 0);
    // No refunds: this test's handler refuses refunds until its bug is fixed.
    const gappedEvents = lifecycle(gapped!, (e) => e.length === 3 && refunds(e) === 0);
    // Two refunds: with the first (seq 4) missing for good, the second can still be applied after a release.
    const abandonedEvents = lifecycle(abandoned!, (e) => refunds(e) === 2);
    const buggyEvents = lifecycle(buggy!, (e) => refunds(e) === 1);

    // Good events interleaved with poison of every kind, all on partition 0.
    await fx.publish([events1[0]!, events2[0]!]);
    const good = await fx.codec.encode(events1[1]!);
    const key = (id: string) => compositeKey({ entityType: 'payment', entityId: id });
    const raw = fx.kafka.producer();
    await raw.connect();
    const poisonKey = key(good1!);
    await raw.send({
      topic: fx.topic,
      messages: [
        { key: poisonKey, partition: 0, value: Buffer.concat([Buffer.from([1]), good.value.subarray(1)]) }, // BAD_MAGIC_BYTE
        { key: poisonKey, partition: 0, value: good.value.subarray(0, good.value.length - 5) }, // TRUNCATED
        { key: poisonKey, partition: 0, value: writeWireFormat(987_654, good.value.subarray(5)) }, // UNKNOWN_SCHEMA_ID
        { key: poisonKey, partition: 0, value: null }, // TOMBSTONE
        { key: poisonKey, partition: 0, value: Buffer.alloc(OVERSIZE, 1) }, // OVERSIZE
        { key: key(good2!), partition: 0, value: good.value }, // KEY_MISMATCH: good1's event under good2's key
      ],
    });
    await raw.disconnect();
    // Same event id as an applied event, different content.
    const reused = { ...events2[0]!, payload: { ...events2[0]!.payload, amount_minor: 1n } } as PaymentEvent;
    // A capture of a payment that was never initiated: the domain refuses it.
    const illegal = {
      type: 'PaymentCaptured',
      payload: {
        ...events1[1]!.payload,
        entity_id: refused!,
        event_id: '5a0f0000-0000-4000-8000-000000000001',
        seq: 1n,
        amount_minor: 10n,
        currency: 'EUR',
        acquirer_reference: null,
      },
    } as unknown as PaymentEvent;
    await fx.publish([reused]);
    await fx.publish([illegal]);
    // The rest: good1 and good2 continue; gapped misses seq 2 for now; abandoned misses seq 4 for good.
    await fx.publish([...events1.slice(1), ...events2.slice(1)]);
    await fx.publish([gappedEvents[0]!, ...gappedEvents.slice(2)]);
    await fx.publish([...abandonedEvents.slice(0, 3), abandonedEvents[4]!]);
    await fx.publish(buggyEvents);

    // A handler with a bug: it refuses refunds. Redriving after the fix must apply them.
    let refundsBroken = true;
    const ledger = createLedgerHandler();
    const handler: FoldHandler<PaymentEvent, Payment, LedgerPosting> = {
      ...ledger,
      fold: (state, event, context) =>
        refundsBroken && event.type === 'PaymentRefunded'
          ? { kind: 'rejected', reason: 'HANDLER_BUG', error: 'refunds are broken' }
          : ledger.fold(state, event, context),
    };
    const config = fx.config();
    const pool = fx.pool;
    const decoder = createPaymentDecoder(fx.codec);
    const runtime = createConsumerRuntime({
      kafka: fx.kafka,
      pool,
      groupId: config.groupId,
      topic: fx.topic,
      decoder,
      handler,
      logger: fx.logger,
      sessionTimeoutMs: 6_000,
      maxMessageBytes: OVERSIZE - 1,
    });
    await runtime.start();
    try {
      await fx.waitForDrain(config.groupId);
      const reasons = await pool.query<{ reason_code: string }>(
        'select reason_code from dead_letters order by "offset"',
      );
      expect(reasons.rows.map((r) => r.reason_code).sort()).toEqual(
        [
          'BAD_MAGIC_BYTE',
          'TRUNCATED',
          'UNKNOWN_SCHEMA_ID',
          'TOMBSTONE',
          'OVERSIZE',
          'KEY_MISMATCH',
          'EVENT_ID_REUSED',
          'ILLEGAL_TRANSITION',
          'HANDLER_BUG',
        ].sort(),
      );
      const raw = await pool.query<{ n: number }>(
        `select count(*)::int as n from dead_letters where reason_code = 'OVERSIZE' and length(value) = $1`,
        [OVERSIZE],
      );
      expect(raw.rows[0]!.n).toBe(1); // the raw bytes are kept

      const state = async (id: string) =>
        (await pool.query<{ state: string }>('select state from payments where payment_id = $1', [id])).rows[0]?.state;
      // Flowing entities reached their final state despite the poison around them.
      expect(await state(good1!)).toBe(finalState(events1));
      expect(await state(good2!)).toBe(finalState(events2));
      // Only the gapped entities wait; their later events are parked in order.
      expect(await state(gapped!)).toBe('initiated');
      const parked = await pool.query<{ entity_id: string; seq: string }>(
        `select entity_id, seq from parked_events where status = 'parked' order by entity_id, seq`,
      );
      expect(parked.rows.filter((r) => r.entity_id === gapped).map((r) => Number(r.seq))).toEqual(
        gappedEvents.slice(2).map((_, i) => i + 3),
      );

      // The missing event arrives: the gapped payment applies it, then its parked events, in order.
      await fx.publish([gappedEvents[1]!]);
      await waitFor(async () => (await state(gapped!)) === finalState(gappedEvents), {
        what: `${gapped} to catch up after its missing event`,
      });
      const applied = await pool.query<{ seq: string }>(
        `select seq from ledger_entries where payment_id = $1 order by id`,
        [gapped],
      );
      const seqs = applied.rows.map((r) => Number(r.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    } finally {
      await runtime.stop();
    }

    // The bug is fixed: redrive the dead letters it caused, and release the payment whose seq 2 will never come.
    refundsBroken = false;
    const ctx = { pool, groupId: config.groupId, decoder, handler };
    const redriven = await redriveDeadLetters(ctx, { reasonCode: 'HANDLER_BUG' });
    expect(redriven.applied).toBe(1);
    expect(
      await pool
        .query<{ state: string }>('select state from payments where payment_id = $1', [buggy])
        .then((r) => r.rows[0]?.state),
    ).toBe(finalState(buggyEvents));
    const released = await redriveParked(ctx, {
      entity: { entityType: 'payment', entityId: abandoned! },
      release: true,
    });
    expect(released).toMatchObject({ entities: 1, released: 1, applied: 1, stillParked: 0 });
    const abandonedRow = await pool.query<{ refunded_minor: string }>(
      'select refunded_minor from payments where payment_id = $1',
      [abandoned],
    );
    expect(BigInt(abandonedRow.rows[0]!.refunded_minor)).toBe(
      (abandonedEvents[4]!.payload as { amount_minor: bigint }).amount_minor,
    );
    const stillDead = await pool.query<{ reason_code: string }>(
      `select reason_code from dead_letters where status = 'dead' and reason_code = 'HANDLER_BUG'`,
    );
    expect(stillDead.rows).toEqual([]);
  });
});
