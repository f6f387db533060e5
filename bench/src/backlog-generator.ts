import type { PaymentEvent, PaymentMethod } from '@spr/contracts';
import { applyPaymentEvent, seededRandom, type Payment } from '@spr/payments-domain';

export interface BacklogOptions {
  /** Deliveries in all, redeliveries included. */
  readonly events: number;
  /** Payments (entities); each gets a long lifecycle: initiate, authorize, capture, then many partial refunds. */
  readonly payments: number;
  /** Share of the deliveries that are redeliveries of an event already delivered (e.g. 0.01). */
  readonly duplicateRatio: number;
  /** Same seed, same backlog (ids included): every arm and every process regenerates the same events. */
  readonly seed: number;
  /** Payments in flight at once; their events interleave. */
  readonly activePayments?: number;
  /** A redelivery comes 1 to this many deliveries after the first delivery (a producer retry, an outbox re-publish). */
  readonly maxRedeliveryDelay?: number;
  readonly idPrefix?: string;
  readonly merchants?: number;
  readonly customers?: number;
  readonly currency?: string;
  readonly start?: Date;
}

export interface BacklogItem {
  readonly event: PaymentEvent;
  /** A second delivery of an event delivered before: same event id, same content, later offset. */
  readonly redelivery: boolean;
  /** Ledger legs the event posts when it is applied once (0 for an initiation, 2 for every other event here). */
  readonly legs: number;
}

export const BACKLOG_DEFAULTS = {
  activePayments: 1_000,
  maxRedeliveryDelay: 5_000,
  idPrefix: 'pay',
  merchants: 50,
  customers: 5_000,
  currency: 'EUR',
  start: '2026-01-01T00:00:00.000Z',
} as const;

/** Events every lifecycle has before its refunds: initiate, authorize, capture. */
const LIFECYCLE_HEAD = 3;
const METHODS: readonly PaymentMethod[] = ['CARD', 'CARD', 'CARD', 'WALLET', 'BANK_TRANSFER'];

interface ActivePayment {
  readonly index: number;
  readonly id: string;
  readonly length: number;
  readonly fullyRefunded: boolean;
  seq: bigint;
  payment?: Payment;
}

/** How many deliveries are redeliveries, and how many events are unique. */
export function backlogShape(options: Pick<BacklogOptions, 'events' | 'payments' | 'duplicateRatio'>): {
  readonly unique: number;
  readonly redeliveries: number;
} {
  const { events, payments, duplicateRatio } = options;
  if (!Number.isInteger(events) || events < 1) throw new RangeError(`events must be a positive integer, got ${events}`);
  if (!Number.isInteger(payments) || payments < 1)
    throw new RangeError(`payments must be a positive integer, got ${payments}`);
  if (!(duplicateRatio >= 0 && duplicateRatio < 0.5))
    throw new RangeError(`duplicateRatio must be in [0, 0.5), got ${duplicateRatio}`);
  const redeliveries = Math.round(events * duplicateRatio);
  const unique = events - redeliveries;
  if (unique < payments * (LIFECYCLE_HEAD + 1)) {
    throw new RangeError(
      `${unique} unique events cannot give ${payments} payments a lifecycle with a refund (at least ${LIFECYCLE_HEAD + 1} events each)`,
    );
  }
  return { unique, redeliveries };
}

/**
 * The benchmark's backlog: `payments` payments with long lifecycles (initiate, authorize, full capture, then many
 * small partial refunds, about events/payments events each, some ending fully refunded), interleaved across
 * `activePayments` payments in flight, plus redeliveries of about `duplicateRatio` of the deliveries: the same
 * event sent again 1 to `maxRedeliveryDelay` deliveries later. Every event is checked with the payments state
 * machine as it is generated, and the total is exactly `events`. Deterministic for a seed.
 */
export function* generateBacklog(options: BacklogOptions): Generator<BacklogItem> {
  const { unique, redeliveries } = backlogShape(options);
  const random = seededRandom(options.seed);
  const window = options.activePayments ?? BACKLOG_DEFAULTS.activePayments;
  const maxDelay = options.maxRedeliveryDelay ?? BACKLOG_DEFAULTS.maxRedeliveryDelay;
  const prefix = options.idPrefix ?? BACKLOG_DEFAULTS.idPrefix;
  const merchants = options.merchants ?? BACKLOG_DEFAULTS.merchants;
  const customers = options.customers ?? BACKLOG_DEFAULTS.customers;
  const currency = options.currency ?? BACKLOG_DEFAULTS.currency;
  let clock = (options.start ?? new Date(BACKLOG_DEFAULTS.start)).getTime();
  const lengths = lifecycleLengths(unique, options.payments, random);
  const width = String(options.payments - 1).length;

  const active: ActivePayment[] = [];
  let started = 0;
  let delivered = 0;
  let redeliveriesLeft = redeliveries;
  let uniqueLeft = unique;
  /** Redeliveries waiting for their turn, ordered by the delivery index they are due at. */
  const scheduled: Array<{ due: number; item: BacklogItem }> = [];

  while (uniqueLeft > 0) {
    while (scheduled.length > 0 && scheduled[0]!.due <= delivered) {
      delivered++;
      yield scheduled.shift()!.item;
    }
    while (active.length < window && started < options.payments) {
      active.push({
        index: started,
        id: `${prefix}-${String(started).padStart(width, '0')}`,
        length: lengths[started]!,
        fullyRefunded: random() < 0.5,
        seq: 0n,
      });
      started++;
    }
    const at = Math.floor(random() * active.length);
    const p = active[at]!;
    p.seq += 1n;
    clock += 1 + Math.floor(random() * 50);
    const event = nextEvent(p, clock, random, { merchants, customers, currency });
    const step = applyPaymentEvent(p.payment, event);
    if (!step.ok)
      throw new Error(
        `the backlog generator produced an invalid event (${step.reason}: ${step.error}); this is a bug in bench/src/backlog-generator.ts`,
      );
    if (step.legs.length !== (event.type === 'PaymentInitiated' ? 0 : 2))
      throw new Error(`${event.type} posted ${step.legs.length} legs; the backlog expects 0 or 2`);
    p.payment = step.payment;
    if (Number(p.seq) === p.length) active.splice(at, 1);
    const item: BacklogItem = { event, redelivery: false, legs: step.legs.length };
    // Sequential sampling: exactly `redeliveries` of the unique events are delivered a second time.
    if (redeliveriesLeft > 0 && random() < redeliveriesLeft / uniqueLeft) {
      redeliveriesLeft--;
      schedule(scheduled, {
        due: delivered + 1 + Math.floor(random() * maxDelay),
        item: { ...item, redelivery: true },
      });
    }
    uniqueLeft--;
    delivered++;
    yield item;
  }
  for (const { item } of scheduled) yield item;
}

function schedule(queue: Array<{ due: number; item: BacklogItem }>, entry: { due: number; item: BacklogItem }): void {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (queue[mid]!.due <= entry.due) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, entry);
}

/** Lifecycle lengths that add up to `unique`, varied by about ±30% in pairs, each long enough for one refund. */
function lifecycleLengths(unique: number, payments: number, random: () => number): number[] {
  const base = Math.floor(unique / payments);
  const lengths = Array.from({ length: payments }, (_, i) => base + (i < unique % payments ? 1 : 0));
  for (let i = 0; i + 1 < payments; i += 2) {
    const room = Math.min(lengths[i]!, lengths[i + 1]!) - (LIFECYCLE_HEAD + 1);
    const shift = Math.min(room, Math.floor(random() * base * 0.3));
    lengths[i] = lengths[i]! + shift;
    lengths[i + 1] = lengths[i + 1]! - shift;
  }
  return lengths;
}

function nextEvent(
  p: ActivePayment,
  clock: number,
  random: () => number,
  o: { merchants: number; customers: number; currency: string },
): PaymentEvent {
  const common = {
    event_id: uuidFrom(random),
    entity_type: 'payment',
    entity_id: p.id,
    seq: p.seq,
    occurred_at: new Date(clock),
    correlation_id: `k${p.index}`,
    causation_id: null,
  };
  const refunds = p.length - LIFECYCLE_HEAD;
  switch (Number(p.seq)) {
    case 1:
      return {
        type: 'PaymentInitiated',
        payload: {
          ...common,
          merchant_id: `m-${Math.floor(random() * o.merchants)}`,
          customer_id: `c-${Math.floor(random() * o.customers)}`,
          // Large enough for every refund to return at least one minor unit.
          amount_minor: BigInt(refunds * (100 + Math.floor(random() * 9_900))),
          currency: o.currency,
          payment_method: METHODS[Math.floor(random() * METHODS.length)]!,
          description: null,
        },
      };
    case 2:
      return {
        type: 'PaymentAuthorized',
        payload: {
          ...common,
          amount_minor: p.payment!.amountMinor,
          currency: o.currency,
          authorization_code: `A${p.index}`,
          expires_at: new Date(clock + 7 * 86_400_000),
        },
      };
    case 3:
      return {
        type: 'PaymentCaptured',
        payload: {
          ...common,
          amount_minor: p.payment!.authorizedMinor,
          currency: o.currency,
          acquirer_reference: null,
        },
      };
    default: {
      const refundable = p.payment!.capturedMinor - p.payment!.refundedMinor;
      const refundsLeft = BigInt(p.length - Number(p.seq) + 1);
      const last = refundsLeft === 1n;
      const amount = last && p.fullyRefunded ? refundable : refundable / (refundsLeft + 1n) || 1n;
      return {
        type: 'PaymentRefunded',
        payload: { ...common, refund_id: `r${p.seq}`, amount_minor: amount, currency: o.currency, reason: null },
      };
    }
  }
}

function uuidFrom(random: () => number): string {
  const hex: string[] = [];
  for (let i = 0; i < 4; i++) hex.push((Math.floor(random() * 0x1_0000_0000) >>> 0).toString(16).padStart(8, '0'));
  const h = hex.join('');
  const variant = '89ab'[Math.floor(random() * 4)]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
