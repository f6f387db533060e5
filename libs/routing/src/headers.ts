/**
 * The headers every SPR event carries besides its key and Avro value, so that routing, tracing and operators
 * can work without decoding the value.
 */
export const EVENT_HEADERS = {
  eventId: 'spr-event-id',
  eventType: 'spr-event-type',
  seq: 'spr-seq',
  schemaId: 'spr-schema-id',
  correlationId: 'spr-correlation-id',
  /** W3C Trace Context. */
  traceparent: 'traceparent',
} as const;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A new W3C traceparent (version 00, sampled), for events whose request carried none. */
export function newTraceparent(): string {
  const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
  return `00-${hex(16)}-${hex(8)}-01`;
}

/** True for a well-formed W3C traceparent with non-zero trace and span ids. */
export function isValidTraceparent(value: string): boolean {
  const match = TRACEPARENT.exec(value);
  return match !== null && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!);
}
