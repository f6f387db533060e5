import type { PaymentEvent } from '@spr/contracts';
import { accounts, transfer, type LedgerLeg } from './ledger-postings.ts';
import { TERMINAL_STATES, type Payment, type PaymentState } from './payment-state.ts';

export type PaymentRejectionReason =
  | 'ILLEGAL_TRANSITION'
  | 'INVALID_AMOUNT'
  | 'AMOUNT_EXCEEDED'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_CURRENCY'
  | 'ENTITY_MISMATCH';

export type PaymentStep =
  | { readonly ok: true; readonly payment: Payment; readonly legs: readonly LedgerLeg[] }
  | { readonly ok: false; readonly reason: PaymentRejectionReason; readonly error: string };

export const PAYMENT_ENTITY_TYPE = 'payment';

const CURRENCY = /^[A-Z]{3}$/;

/** Which states each event may follow. */
const ALLOWED_FROM: Readonly<Record<PaymentEvent['type'], readonly (PaymentState | 'none')[]>> = {
  PaymentInitiated: ['none'],
  PaymentAuthorized: ['initiated'],
  PaymentCaptured: ['authorized'],
  PaymentRefunded: ['captured'],
  PaymentCancelled: ['initiated', 'authorized'],
  PaymentFailed: ['initiated', 'authorized'],
};

const reject = (reason: PaymentRejectionReason, error: string): PaymentStep => ({ ok: false, reason, error });

/**
 * The payments state machine and its postings, as one pure function: the gateway runs it on the event it is
 * about to emit (and refuses the request if it fails), the consumer runs it on the event it applies (and
 * dead-letters it if it fails). Both sides agree by construction.
 *
 * Postings: authorizing holds the amount in the payment's clearing account; capturing moves the captured part to
 * the merchant and releases the rest; a refund moves money back from merchant to customer (partial refunds add up
 * to at most the captured amount); cancelling or failing an authorized payment releases its hold.
 */
export function applyPaymentEvent(current: Payment | undefined, event: PaymentEvent): PaymentStep {
  const p = event.payload;
  const from: PaymentState | 'none' = current?.state ?? 'none';
  if (p.entity_type !== PAYMENT_ENTITY_TYPE)
    return reject('ENTITY_MISMATCH', `entity_type is '${p.entity_type}', expected '${PAYMENT_ENTITY_TYPE}'`);
  if (current && current.paymentId !== p.entity_id)
    return reject('ENTITY_MISMATCH', `event for ${p.entity_id} applied to payment ${current.paymentId}`);
  if (!ALLOWED_FROM[event.type].includes(from)) {
    const state = from === 'none' ? 'not initiated' : TERMINAL_STATES.has(from) ? `${from} (final)` : from;
    return reject('ILLEGAL_TRANSITION', `${event.type} is not allowed: payment ${p.entity_id} is ${state}`);
  }
  const updatedAt = p.occurred_at;

  switch (event.type) {
    case 'PaymentInitiated': {
      const e = event.payload;
      if (e.amount_minor <= 0n) return reject('INVALID_AMOUNT', `amount_minor must be positive, got ${e.amount_minor}`);
      if (!CURRENCY.test(e.currency))
        return reject('INVALID_CURRENCY', `currency '${e.currency}' is not an ISO-4217 code`);
      const payment: Payment = {
        paymentId: e.entity_id,
        state: 'initiated',
        customerId: e.customer_id,
        merchantId: e.merchant_id,
        currency: e.currency,
        amountMinor: e.amount_minor,
        authorizedMinor: 0n,
        capturedMinor: 0n,
        refundedMinor: 0n,
        failureReason: null,
        createdAt: e.occurred_at,
        updatedAt,
      };
      return { ok: true, payment, legs: [] };
    }
    case 'PaymentAuthorized': {
      const e = event.payload;
      const c = current!;
      if (e.currency !== c.currency)
        return reject('CURRENCY_MISMATCH', `authorization in ${e.currency} for a payment in ${c.currency}`);
      if (e.amount_minor !== c.amountMinor)
        return reject('INVALID_AMOUNT', `authorized ${e.amount_minor} but the payment is for ${c.amountMinor}`);
      return {
        ok: true,
        payment: { ...c, state: 'authorized', authorizedMinor: e.amount_minor, updatedAt },
        legs: transfer(accounts.customer(c.customerId), accounts.clearing(c.paymentId), e.amount_minor, c.currency),
      };
    }
    case 'PaymentCaptured': {
      const e = event.payload;
      const c = current!;
      if (e.currency !== c.currency)
        return reject('CURRENCY_MISMATCH', `capture in ${e.currency} for a payment in ${c.currency}`);
      if (e.amount_minor <= 0n) return reject('INVALID_AMOUNT', `amount_minor must be positive, got ${e.amount_minor}`);
      if (e.amount_minor > c.authorizedMinor)
        return reject('AMOUNT_EXCEEDED', `capture of ${e.amount_minor} exceeds the authorized ${c.authorizedMinor}`);
      return {
        ok: true,
        payment: { ...c, state: 'captured', capturedMinor: e.amount_minor, updatedAt },
        legs: [
          ...transfer(accounts.clearing(c.paymentId), accounts.merchant(c.merchantId), e.amount_minor, c.currency),
          ...transfer(
            accounts.clearing(c.paymentId),
            accounts.customer(c.customerId),
            c.authorizedMinor - e.amount_minor,
            c.currency,
          ),
        ],
      };
    }
    case 'PaymentRefunded': {
      const e = event.payload;
      const c = current!;
      if (e.currency !== c.currency)
        return reject('CURRENCY_MISMATCH', `refund in ${e.currency} for a payment in ${c.currency}`);
      if (e.amount_minor <= 0n) return reject('INVALID_AMOUNT', `amount_minor must be positive, got ${e.amount_minor}`);
      const refundable = c.capturedMinor - c.refundedMinor;
      if (e.amount_minor > refundable)
        return reject('AMOUNT_EXCEEDED', `refund of ${e.amount_minor} exceeds the refundable ${refundable}`);
      const refundedMinor = c.refundedMinor + e.amount_minor;
      return {
        ok: true,
        payment: { ...c, state: refundedMinor === c.capturedMinor ? 'refunded' : 'captured', refundedMinor, updatedAt },
        legs: transfer(accounts.merchant(c.merchantId), accounts.customer(c.customerId), e.amount_minor, c.currency),
      };
    }
    case 'PaymentCancelled':
    case 'PaymentFailed': {
      const c = current!;
      const reason =
        event.type === 'PaymentFailed'
          ? event.payload.failure_code
          : (event.payload.reason ?? `cancelled by ${event.payload.cancelled_by}`);
      return {
        ok: true,
        payment: {
          ...c,
          state: event.type === 'PaymentFailed' ? 'failed' : 'cancelled',
          failureReason: reason,
          updatedAt,
        },
        legs: transfer(accounts.clearing(c.paymentId), accounts.customer(c.customerId), c.authorizedMinor, c.currency),
      };
    }
  }
}
