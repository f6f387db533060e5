import { writeWireFormat, type PaymentEvent } from '@spr/contracts';
import { compositeKey, partitionFor } from '@spr/routing';
import type { ScenarioDefinition } from '../scenario.ts';
import { PARTITIONS, type RawRecord, type ScenarioContext } from '../scenario-context.ts';
import { waitUntilWorking } from '../scenario-steps.ts';
import { CONSUMER_MAX_MESSAGE_BYTES } from '../verify/expected-outcomes.ts';

/** Reason codes the consumer must have dead-lettered with, one per poison kind. */
export const EXPECTED_REASONS = [
  'BAD_MAGIC_BYTE',
  'TRUNCATED',
  'UNKNOWN_SCHEMA_ID',
  'TOMBSTONE',
  'OVERSIZE',
  'KEY_MISMATCH',
  'EVENT_ID_REUSED',
  'ILLEGAL_TRANSITION',
  'AMOUNT_EXCEEDED',
  'INVALID_AMOUNT',
  'INVALID_CURRENCY',
] as const;

const keyOf = (e: PaymentEvent) => compositeKey({ entityType: e.payload.entity_type, entityId: e.payload.entity_id });

function uuid(ctx: ScenarioContext): string {
  const hex = Array.from({ length: 32 }, () => ctx.random.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[ctx.random.int(0, 3)]!;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The same event under another id/seq/entity, or with other fields. */
function variant(ctx: ScenarioContext, e: PaymentEvent, changes: Record<string, unknown>): PaymentEvent {
  return { ...e, payload: { ...e.payload, event_id: uuid(ctx), ...changes } } as PaymentEvent;
}

/** Undecodable or unroutable bytes, each under the key (and so on the partition) of a real payment. */
async function rawPoison(ctx: ScenarioContext, sample: PaymentEvent, other: PaymentEvent): Promise<RawRecord[]> {
  const { value } = await ctx.codec.encode(sample);
  const key = keyOf(sample);
  const partition = partitionFor(key, PARTITIONS);
  const otherKey = keyOf(other);
  return [
    { key, partition, value: Buffer.concat([Buffer.from([1]), value.subarray(1)]) },
    { key, partition, value: value.subarray(0, value.length - 5) },
    { key, partition, value: writeWireFormat(900_000 + ctx.random.int(0, 99_999), value.subarray(5)) },
    { key, partition, value: null },
    { key, partition, value: writeWireFormat(1, Buffer.alloc(CONSUMER_MAX_MESSAGE_BYTES + 1_024, 7)) },
    // A real event of `sample`'s payment under another payment's key (and maybe another partition).
    { key: otherKey, partition: partitionFor(otherKey, PARTITIONS), value },
  ];
}

/** Payments whose events the state machine refuses (each refusal spends its seq; the payment then moves on). */
function domainPoison(ctx: ScenarioContext, lifecycles: PaymentEvent[][]): PaymentEvent[] {
  const [a, b, c, d] = lifecycles.map((events) => events);
  const out: PaymentEvent[] = [];
  // AMOUNT_EXCEEDED: a capture above the authorized amount at seq 3, then the real capture at seq 4.
  const authorized = (a![1]!.payload as { amount_minor: bigint }).amount_minor;
  out.push(a![0]!, a![1]!, variant(ctx, a![2]!, { amount_minor: authorized + 1n }), variant(ctx, a![2]!, { seq: 4n }));
  // ILLEGAL_TRANSITION: a capture before the authorization, then authorization and capture at seq 3 and 4.
  out.push(
    b![0]!,
    variant(ctx, b![2]!, { seq: 2n }),
    variant(ctx, b![1]!, { seq: 3n }),
    variant(ctx, b![2]!, { seq: 4n }),
  );
  // INVALID_AMOUNT and INVALID_CURRENCY: payments that never start.
  out.push(variant(ctx, c![0]!, { amount_minor: -5n }));
  out.push(variant(ctx, d![0]!, { currency: 'eur' }));
  return out;
}

/**
 * Every poison kind, interleaved with good traffic on the same partitions: bad magic byte, truncated Avro, an
 * unknown schema id, a tombstone, an oversize value, a key that does not name the event's payment, an event id
 * reused with another payload, and events the domain refuses; plus a payment whose seq 2 never comes (its later
 * events stay parked) and one whose seq 2 comes last (its parked events are then applied).
 */
export const poison: ScenarioDefinition = {
  name: 'poison',
  summary:
    'every poison kind (bad magic, truncated, unknown schema id, invalid domain values, oversize, tombstone, reused event id) among good events',
  breaksServices: false,
  timeoutMs: (quick) => (quick ? 120_000 : 240_000),
  async run(ctx) {
    const good = ctx.simulate(ctx.quick ? 300 : 800);
    const special = ctx.simulate(200, 'special');
    const byPayment = new Map<string, PaymentEvent[]>();
    for (const e of special) byPayment.set(e.payload.entity_id, [...(byPayment.get(e.payload.entity_id) ?? []), e]);
    const withCapture = [...byPayment.values()].filter(
      (events) => events.length >= 3 && events[2]!.type === 'PaymentCaptured',
    );
    if (withCapture.length < 6)
      throw new Error('the simulation produced too few captured payments for the poison scenario');
    const [a, b, c, d, parkedForever, filledLate] = withCapture;

    const member = ctx.spawnMember('member');
    await waitUntilWorking(ctx, member).catch(() => undefined);
    const third = Math.floor(good.length / 3);
    await ctx.publish(good.slice(0, third));
    await ctx.sendRaw(
      await rawPoison(
        ctx,
        good[0]!,
        good.find((e) => e.payload.entity_id !== good[0]!.payload.entity_id)!,
      ),
    );
    await ctx.publish(good.slice(third, 2 * third));
    await ctx.publish(domainPoison(ctx, [a!, b!, c!, d!]));
    // An event id already applied (the first good event), republished with another amount.
    const reused = good.find((e) => e.type === 'PaymentInitiated')!;
    await ctx.publish([
      {
        ...reused,
        payload: { ...reused.payload, amount_minor: (reused.payload as { amount_minor: bigint }).amount_minor + 1n },
      } as PaymentEvent,
    ]);
    await ctx.publish([parkedForever![0]!, ...parkedForever!.slice(2), filledLate![0]!, ...filledLate!.slice(2)]);
    await ctx.publish(good.slice(2 * third));
    await ctx.publish([filledLate![1]!]);
    const lastPoisonAt = Date.now();
    const drainedAt = await ctx.waitForDrain();
    await member.stop();
    const stillParked = parkedForever!.length - 2;
    return {
      faultEndedAt: lastPoisonAt,
      drainedAt,
      fault: {
        kinds: EXPECTED_REASONS,
        parkedForeverPayment: parkedForever![0]!.payload.entity_id,
        filledLatePayment: filledLate![0]!.payload.entity_id,
      },
      assess: (v) => [
        {
          name: 'every poison kind dead-lettered with its reason code',
          ok: EXPECTED_REASONS.every((r) => (v.deadLetterReasons[r] ?? 0) >= 1),
          detail: `missing: ${EXPECTED_REASONS.filter((r) => !v.deadLetterReasons[r]).join(', ') || 'none'}; got ${JSON.stringify(v.deadLetterReasons)}`,
        },
        {
          name: 'the payment without seq 2 has its later events parked',
          ok: v.parked === stillParked,
          detail: `${v.parked} parked, expected ${stillParked}`,
        },
      ],
    };
  },
};
