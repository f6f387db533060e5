import type { GatewayPayment } from './payment-commands.ts';

/** A payment as the API shows it (schema `Payment`): int64 values as decimal strings, times in ISO-8601 UTC. */
export interface PaymentView {
  readonly payment_id: string;
  readonly state: string;
  readonly customer_id: string;
  readonly merchant_id: string;
  readonly currency: string;
  readonly amount_minor: string;
  readonly captured_minor: string;
  readonly refunded_minor: string;
  readonly refundable_minor: string;
  readonly last_seq: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export function paymentView(p: GatewayPayment): PaymentView {
  return {
    payment_id: p.paymentId,
    state: p.state,
    customer_id: p.customerId,
    merchant_id: p.merchantId,
    currency: p.currency,
    amount_minor: p.amountMinor.toString(),
    captured_minor: p.capturedMinor.toString(),
    refunded_minor: p.refundedMinor.toString(),
    refundable_minor: (p.capturedMinor - p.refundedMinor).toString(),
    last_seq: p.lastSeq.toString(),
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
