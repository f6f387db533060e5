import type { PaymentEvent } from '@spr/contracts';

/** One record of the topic as the verifier read it: raw bytes and what the codec made of them. */
export interface LogRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly decoded:
    { readonly ok: true; readonly event: PaymentEvent } | { readonly ok: false; readonly reason: string };
}

export const positionKey = (partition: number, offset: bigint) => `${partition}:${offset}`;

/** A payment event's content as one string: equal strings, equal events (bigints and dates included). */
export function eventContent(event: PaymentEvent): string {
  return JSON.stringify({ type: event.type, payload: event.payload }, (_, value: unknown) =>
    typeof value === 'bigint' ? `${value}n` : value,
  );
}
