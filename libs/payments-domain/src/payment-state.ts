/** A payment as both sides see it: the gateway before it emits an event, the consumer after it applies one. */
export const PAYMENT_STATES = ['initiated', 'authorized', 'captured', 'refunded', 'failed', 'cancelled'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

export interface Payment {
  readonly paymentId: string;
  readonly state: PaymentState;
  readonly customerId: string;
  readonly merchantId: string;
  readonly currency: string;
  /** The amount initiated, in minor units. */
  readonly amountMinor: bigint;
  readonly authorizedMinor: bigint;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
  readonly failureReason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** States from which no further event is accepted. */
export const TERMINAL_STATES: ReadonlySet<PaymentState> = new Set(['refunded', 'failed', 'cancelled']);
