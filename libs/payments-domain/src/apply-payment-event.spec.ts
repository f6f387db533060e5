import type { PaymentEvent } from '@spr/contracts';
import { describe, expect, it } from 'vitest';
import { applyPaymentEvent, type PaymentStep } from './apply-payment-event.ts';
import type { LedgerLeg } from './ledger-postings.ts';
import type { Payment } from './payment-state.ts';

const at = new Date('2026-11-26T10:00:00.000Z');
const common = (seq: number) => ({
  event_id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  entity_type: 'payment',
  entity_id: 'p-1',
  seq: BigInt(seq),
  occurred_at: at,
  correlation_id: 'c-1',
  causation_id: null,
});

const initiated: PaymentEvent = {
  type: 'PaymentInitiated',
  payload: {
    ...common(1),
    merchant_id: 'm-1',
    customer_id: 'cu-1',
    amount_minor: 10_000n,
    currency: 'EUR',
    payment_method: 'CARD',
    description: null,
  },
};
const authorized: PaymentEvent = {
  type: 'PaymentAuthorized',
  payload: { ...common(2), amount_minor: 10_000n, currency: 'EUR', authorization_code: 'A1', expires_at: at },
};
const captured = (amount: bigint): PaymentEvent => ({
  type: 'PaymentCaptured',
  payload: { ...common(3), amount_minor: amount, currency: 'EUR', acquirer_reference: null },
});
const refunded = (amount: bigint, seq = 4): PaymentEvent => ({
  type: 'PaymentRefunded',
  payload: { ...common(seq), refund_id: `r-${seq}`, amount_minor: amount, currency: 'EUR', reason: null },
});
const cancelled: PaymentEvent = {
  type: 'PaymentCancelled',
  payload: { ...common(3), cancelled_by: 'merchant', reason: null },
};

function run(events: PaymentEvent[]): { payment: Payment | undefined; legs: LedgerLeg[]; last: PaymentStep } {
  let payment: Payment | undefined;
  const legs: LedgerLeg[] = [];
  let last: PaymentStep | undefined;
  for (const event of events) {
    last = applyPaymentEvent(payment, event);
    if (!last.ok) break;
    payment = last.payment;
    legs.push(...last.legs);
  }
  return { payment, legs, last: last! };
}

function balances(legs: LedgerLeg[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const leg of legs)
    out[leg.account] = (out[leg.account] ?? 0n) + (leg.direction === 'credit' ? leg.amountMinor : -leg.amountMinor);
  for (const key of Object.keys(out)) if (out[key] === 0n) delete out[key];
  return out;
}

describe('applyPaymentEvent', () => {
  it('holds on authorization, pays the merchant on capture and releases the rest', () => {
    const { payment, legs } = run([initiated, authorized, captured(7_500n)]);
    expect(payment).toMatchObject({ state: 'captured', authorizedMinor: 10_000n, capturedMinor: 7_500n });
    expect(balances(legs)).toEqual({ 'customer:cu-1': -7_500n, 'merchant:m-1': 7_500n });
  });

  it('refunds partially, then fully', () => {
    const partial = run([initiated, authorized, captured(10_000n), refunded(4_000n)]);
    expect(partial.payment).toMatchObject({ state: 'captured', refundedMinor: 4_000n });
    const full = run([initiated, authorized, captured(10_000n), refunded(4_000n), refunded(6_000n, 5)]);
    expect(full.payment).toMatchObject({ state: 'refunded', refundedMinor: 10_000n });
    expect(balances(full.legs)).toEqual({});
  });

  it('releases the hold when an authorized payment is cancelled', () => {
    const { payment, legs } = run([initiated, authorized, cancelled]);
    expect(payment).toMatchObject({ state: 'cancelled', failureReason: 'cancelled by merchant' });
    expect(balances(legs)).toEqual({});
  });

  it('every step posts balanced legs', () => {
    for (const events of [
      [initiated, authorized, captured(1n)],
      [initiated, authorized, captured(10_000n), refunded(3n)],
    ]) {
      const { legs } = run(events);
      const net = legs.reduce((sum, l) => sum + (l.direction === 'credit' ? l.amountMinor : -l.amountMinor), 0n);
      expect(net).toBe(0n);
      for (const leg of legs) expect(leg.amountMinor > 0n).toBe(true);
    }
  });

  it('rejects illegal transitions and amounts, naming why', () => {
    expect(run([authorized]).last).toEqual({
      ok: false,
      reason: 'ILLEGAL_TRANSITION',
      error: 'PaymentAuthorized is not allowed: payment p-1 is not initiated',
    });
    expect(run([initiated, captured(1n)]).last).toMatchObject({
      reason: 'ILLEGAL_TRANSITION',
      error: 'PaymentCaptured is not allowed: payment p-1 is initiated',
    });
    expect(run([initiated, authorized, cancelled, captured(1n)]).last).toMatchObject({
      reason: 'ILLEGAL_TRANSITION',
      error: expect.stringContaining('cancelled (final)'),
    });
    expect(run([initiated, authorized, captured(10_001n)]).last).toMatchObject({ reason: 'AMOUNT_EXCEEDED' });
    expect(run([initiated, authorized, captured(5_000n), refunded(5_001n)]).last).toMatchObject({
      reason: 'AMOUNT_EXCEEDED',
      error: 'refund of 5001 exceeds the refundable 5000',
    });
    expect(
      run([{ ...initiated, payload: { ...initiated.payload, amount_minor: 0n } } as PaymentEvent]).last,
    ).toMatchObject({ reason: 'INVALID_AMOUNT' });
    expect(
      run([{ ...initiated, payload: { ...initiated.payload, currency: 'eur' } } as PaymentEvent]).last,
    ).toMatchObject({ reason: 'INVALID_CURRENCY' });
    expect(
      run([initiated, { ...authorized, payload: { ...authorized.payload, currency: 'USD' } } as PaymentEvent]).last,
    ).toMatchObject({ reason: 'CURRENCY_MISMATCH' });
  });
});
