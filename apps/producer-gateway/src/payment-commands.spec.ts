import { describe, expect, it } from 'vitest';
import {
  decide,
  parseCommand,
  type EventContext,
  type GatewayPayment,
  type PaymentCommand,
} from './payment-commands.ts';

const at = new Date('2026-11-26T10:00:00.000Z');
const context: EventContext = {
  eventId: '00000000-0000-4000-8000-000000000001',
  occurredAt: at,
  correlationId: 'corr-1',
  causationId: null,
  refundId: '00000000-0000-4000-8000-0000000000aa',
  generatedAuthorizationCode: 'AUTH-1',
  authorizationTtlMs: 60_000,
};
const stored = (over: Partial<GatewayPayment> = {}): GatewayPayment => ({
  paymentId: 'p-1',
  state: 'initiated',
  customerId: 'cu-1',
  merchantId: 'm-1',
  currency: 'EUR',
  amountMinor: 10_000n,
  capturedMinor: 0n,
  refundedMinor: 0n,
  lastSeq: 1n,
  createdAt: new Date('2026-11-26T09:00:00.000Z'),
  updatedAt: new Date('2026-11-26T09:00:00.000Z'),
  ...over,
});
const initiate: PaymentCommand = {
  kind: 'initiate',
  paymentId: 'p-1',
  customerId: 'cu-1',
  merchantId: 'm-1',
  amountMinor: 10_000n,
  currency: 'EUR',
  paymentMethod: 'CARD',
  description: null,
};

describe('parseCommand', () => {
  it('turns amounts into bigints and absent optional fields into null or defaults', () => {
    expect(parseCommand('refund', { amount_minor: '9007199254740993' }, { paymentId: 'p-1', apiKeyId: 'k' })).toEqual({
      ok: true,
      command: { kind: 'refund', paymentId: 'p-1', amountMinor: 9_007_199_254_740_993n, reason: null },
    });
    expect(parseCommand('capture', {}, { paymentId: 'p-1', apiKeyId: 'k' })).toEqual({
      ok: true,
      command: { kind: 'capture', paymentId: 'p-1', amountMinor: undefined, acquirerReference: null },
    });
    expect(parseCommand('cancel', {}, { paymentId: 'p-1', apiKeyId: 'merchant-a' })).toMatchObject({
      ok: true,
      command: { cancelledBy: 'api-key:merchant-a', reason: null },
    });
  });

  it('refuses an amount beyond a 64-bit integer, naming the field', () => {
    expect(
      parseCommand('refund', { amount_minor: '9223372036854775808' }, { paymentId: 'p-1', apiKeyId: 'k' }),
    ).toEqual({
      ok: false,
      fields: [{ field: 'amount_minor', problem: 'must be at most 9223372036854775807' }],
    });
  });
});

describe('decide', () => {
  it('initiates with seq 1', () => {
    const decision = decide(initiate, undefined, context);
    expect(decision).toMatchObject({
      ok: true,
      event: {
        type: 'PaymentInitiated',
        payload: { seq: 1n, entity_type: 'payment', entity_id: 'p-1', occurred_at: at },
      },
      payment: { state: 'initiated', lastSeq: 1n, createdAt: at },
    });
  });

  it('allocates the next seq and authorizes the full amount until the configured expiry', () => {
    const decision = decide(
      { kind: 'authorize', paymentId: 'p-1', authorizationCode: undefined },
      stored({ lastSeq: 1n }),
      context,
    );
    expect(decision).toMatchObject({
      ok: true,
      event: {
        type: 'PaymentAuthorized',
        payload: {
          seq: 2n,
          amount_minor: 10_000n,
          authorization_code: 'AUTH-1',
          expires_at: new Date(at.getTime() + 60_000),
        },
      },
      payment: { state: 'authorized', lastSeq: 2n, updatedAt: at },
    });
  });

  it('captures the authorized amount by default, or a part of it', () => {
    const authorized = stored({ state: 'authorized', lastSeq: 2n });
    expect(
      decide(
        { kind: 'capture', paymentId: 'p-1', amountMinor: undefined, acquirerReference: null },
        authorized,
        context,
      ),
    ).toMatchObject({ ok: true, payment: { state: 'captured', capturedMinor: 10_000n, lastSeq: 3n } });
    expect(
      decide(
        { kind: 'capture', paymentId: 'p-1', amountMinor: 2_500n, acquirerReference: 'ACQ-9' },
        authorized,
        context,
      ),
    ).toMatchObject({ ok: true, payment: { capturedMinor: 2_500n } });
  });

  it('refunds in parts and ends refunded when nothing is left', () => {
    const captured = stored({ state: 'captured', capturedMinor: 6_000n, refundedMinor: 1_000n, lastSeq: 4n });
    expect(
      decide({ kind: 'refund', paymentId: 'p-1', amountMinor: 2_000n, reason: null }, captured, context),
    ).toMatchObject({
      ok: true,
      event: { type: 'PaymentRefunded', payload: { refund_id: context.refundId, amount_minor: 2_000n, seq: 5n } },
      payment: { state: 'captured', refundedMinor: 3_000n },
    });
    expect(
      decide({ kind: 'refund', paymentId: 'p-1', amountMinor: 5_000n, reason: null }, captured, context),
    ).toMatchObject({ ok: true, payment: { state: 'refunded', refundedMinor: 6_000n } });
  });

  it('refuses what the state machine refuses, with the reason', () => {
    expect(
      decide({ kind: 'capture', paymentId: 'p-1', amountMinor: undefined, acquirerReference: null }, stored(), context),
    ).toEqual({
      ok: false,
      status: 409,
      error: 'illegal_transition',
      message: 'PaymentCaptured is not allowed: payment p-1 is initiated',
      state: 'initiated',
    });
    expect(
      decide(
        { kind: 'cancel', paymentId: 'p-1', reason: null, cancelledBy: 'u' },
        stored({ state: 'refunded' }),
        context,
      ),
    ).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('refunded (final)') });
    expect(
      decide(
        { kind: 'capture', paymentId: 'p-1', amountMinor: 10_001n, acquirerReference: null },
        stored({ state: 'authorized' }),
        context,
      ),
    ).toMatchObject({
      ok: false,
      status: 409,
      error: 'amount_exceeded',
      message: 'capture of 10001 exceeds the authorized 10000',
    });
    expect(
      decide(
        { kind: 'refund', paymentId: 'p-1', amountMinor: 5_001n, reason: null },
        stored({ state: 'captured', capturedMinor: 6_000n, refundedMinor: 1_000n }),
        context,
      ),
    ).toMatchObject({
      ok: false,
      error: 'amount_exceeded',
      message: 'refund of 5001 exceeds the refundable 5000',
    });
  });

  it('answers 404 for an unknown payment and 409 for initiating one that exists', () => {
    expect(
      decide({ kind: 'fail', paymentId: 'nope', failureCode: 'x', failureMessage: null }, undefined, context),
    ).toMatchObject({ ok: false, status: 404, error: 'payment_not_found' });
    expect(decide(initiate, stored(), context)).toMatchObject({ ok: false, status: 409, error: 'payment_exists' });
  });
});
