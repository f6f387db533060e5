import type { PaymentEvent, PaymentMethod } from '@spr/contracts';
import { applyPaymentEvent } from './apply-payment-event.ts';
import type { Payment } from './payment-state.ts';

export interface PaymentSimulationOptions {
  readonly payments: number;
  /** Same seed, same events (ids included): runs are reproducible. */
  readonly seed: number;
  readonly merchants?: number;
  readonly customers?: number;
  readonly currency?: string;
  /** Prefix of payment ids, so several simulations can share a topic. */
  readonly idPrefix?: string;
  readonly start?: Date;
}

/** mulberry32: a small, fast, seedable PRNG (deterministic workloads for tests, benchmarks and chaos runs). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(random() * 4)]!;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

type Plan = Array<'authorize' | 'capture' | 'refund' | 'cancel' | 'fail'>;

/**
 * A realistic stream of payment events: payments start, get authorized, mostly captured (some partially), some
 * refunded in parts, some cancelled or failed; different payments interleave, each payment's events come in
 * order with seq 1, 2, 3… Every event is valid for the payments state machine (checked as it is generated).
 */
export function* simulatePayments(options: PaymentSimulationOptions): Generator<PaymentEvent> {
  const random = seededRandom(options.seed);
  const merchants = options.merchants ?? 50;
  const customers = options.customers ?? 5_000;
  const currency = options.currency ?? 'EUR';
  let clock = (options.start ?? new Date('2026-01-01T00:00:00.000Z')).getTime();
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const methods: readonly PaymentMethod[] = ['CARD', 'CARD', 'CARD', 'WALLET', 'BANK_TRANSFER'];

  const active: Array<{ id: string; seq: bigint; plan: Plan; payment?: Payment }> = [];
  let started = 0;
  while (started < options.payments || active.length > 0) {
    // Keep a few hundred payments in flight so events of different payments interleave.
    if (started < options.payments && (active.length < 200 || random() < 0.3)) {
      const roll = random();
      const plan: Plan =
        roll < 0.55
          ? ['authorize', 'capture']
          : roll < 0.75
            ? ['authorize', 'capture', 'refund']
            : roll < 0.82
              ? ['authorize', 'capture', 'refund', 'refund']
              : roll < 0.9
                ? ['authorize', 'cancel']
                : roll < 0.95
                  ? ['fail']
                  : ['authorize'];
      active.push({
        id: `${options.idPrefix ?? 'pay'}-${String(started).padStart(7, '0')}`,
        seq: 0n,
        plan: ['initiate' as never, ...plan],
      });
      started++;
      continue;
    }
    const index = Math.floor(random() * active.length);
    const p = active[index]!;
    const step = p.plan.shift()!;
    p.seq += 1n;
    clock += 1 + Math.floor(random() * 50);
    const common = {
      event_id: uuidFrom(random),
      entity_type: 'payment',
      entity_id: p.id,
      seq: p.seq,
      occurred_at: new Date(clock),
      correlation_id: uuidFrom(random),
      causation_id: null,
    };
    const current = p.payment;
    let event: PaymentEvent;
    switch (step as string) {
      case 'initiate':
        event = {
          type: 'PaymentInitiated',
          payload: {
            ...common,
            merchant_id: `m-${Math.floor(random() * merchants)}`,
            customer_id: `c-${Math.floor(random() * customers)}`,
            amount_minor: BigInt(100 + Math.floor(random() * 99_900)),
            currency,
            payment_method: pick(methods),
            description: null,
          },
        };
        break;
      case 'authorize':
        event = {
          type: 'PaymentAuthorized',
          payload: {
            ...common,
            amount_minor: current!.amountMinor,
            currency,
            authorization_code: `A${p.seq}`,
            expires_at: new Date(clock + 7 * 86_400_000),
          },
        };
        break;
      case 'capture': {
        const partial = random() < 0.2;
        const amount = partial
          ? (current!.authorizedMinor * BigInt(50 + Math.floor(random() * 50))) / 100n || 1n
          : current!.authorizedMinor;
        event = {
          type: 'PaymentCaptured',
          payload: { ...common, amount_minor: amount, currency, acquirer_reference: null },
        };
        break;
      }
      case 'refund': {
        const refundable = current!.capturedMinor - current!.refundedMinor;
        const amount = p.plan.length > 0 ? refundable / 2n || 1n : refundable;
        event = {
          type: 'PaymentRefunded',
          payload: { ...common, refund_id: uuidFrom(random), amount_minor: amount, currency, reason: null },
        };
        break;
      }
      case 'cancel':
        event = { type: 'PaymentCancelled', payload: { ...common, cancelled_by: 'merchant', reason: null } };
        break;
      default:
        event = { type: 'PaymentFailed', payload: { ...common, failure_code: 'DECLINED', failure_message: null } };
    }
    const result = applyPaymentEvent(current, event);
    if (!result.ok)
      throw new Error(`simulation produced an invalid event (${result.error}); this is a bug in simulatePayments`);
    p.payment = result.payment;
    if (p.plan.length === 0) active.splice(index, 1);
    yield event;
  }
}
