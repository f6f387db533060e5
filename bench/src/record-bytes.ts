import { paymentTypes, WIRE_HEADER_SIZE, type PaymentEvent, type PaymentEventType } from '@spr/contracts';
import type avro from 'avsc';

let readers: Readonly<Record<PaymentEventType, avro.Type>> | undefined;

/** The W3C traceparent the producer adds to every record: `00-<32 hex>-<16 hex>-01`. */
const TRACEPARENT_CHARS = 55;

/**
 * The size of an event's Kafka record as the sequenced producer of @spr/routing writes it: the Confluent wire
 * format value (magic byte, schema id, Avro body), the key `entity_type:entity_id` and the SPR headers (names
 * and values). The schema id is counted as one digit in its header.
 */
export function recordBytes(event: PaymentEvent): number {
  readers ??= paymentTypes();
  const p = event.payload;
  const value = WIRE_HEADER_SIZE + readers[event.type].toBuffer(p).length;
  const key = Buffer.byteLength(`${p.entity_type}:${p.entity_id}`);
  const headers =
    'spr-event-id'.length +
    p.event_id.length +
    'spr-event-type'.length +
    event.type.length +
    'spr-seq'.length +
    p.seq.toString().length +
    'spr-schema-id'.length +
    1 +
    'spr-correlation-id'.length +
    Buffer.byteLength(p.correlation_id) +
    'traceparent'.length +
    TRACEPARENT_CHARS;
  return value + key + headers;
}
