import { createHash } from 'node:crypto';
import type { EventDecoder, DecodeOutcome, RawMessage } from '@spr/consumer-runtime';
import {
  paymentTypes,
  WIRE_HEADER_SIZE,
  type DecodeResult,
  type PaymentCodec,
  type PaymentEvent,
  type PaymentEventType,
} from '@spr/contracts';
import type { Type } from 'avsc';

/**
 * Decodes payment events for the runtime and derives their identity. The content digest is taken over the
 * event's encoding with the *current* reader schema, so the same event published once with an older writer
 * schema and once with the current one is still recognised as the same (not as an id reused for other content).
 * For a writer schema that already is the current one, that encoding is the message body itself: no re-encode.
 */
export function createPaymentDecoder(codec: PaymentCodec): EventDecoder<PaymentEvent> {
  const readers: Readonly<Record<PaymentEventType, Type>> = paymentTypes();
  /** Per writer schema id: does the body already use the current reader's encoding? */
  const bodyIsCanonical = new Map<number, boolean>();

  const digest = (value: Buffer, result: Extract<DecodeResult, { ok: true }>): Buffer => {
    const body = value.subarray(WIRE_HEADER_SIZE);
    let canonical = bodyIsCanonical.get(result.schemaId);
    if (canonical === undefined) {
      canonical = readers[result.event.type].toBuffer(result.event.payload).equals(body);
      bodyIsCanonical.set(result.schemaId, canonical);
    }
    const bytes = canonical ? body : readers[result.event.type].toBuffer(result.event.payload);
    return createHash('sha256').update(bytes).digest();
  };

  const toOutcome = (message: RawMessage, result: DecodeResult): DecodeOutcome<PaymentEvent> => {
    if (!result.ok)
      return {
        ok: false,
        retriable: result.retriable,
        reason: result.reason,
        error: result.error,
      } as DecodeOutcome<PaymentEvent>;
    const p = result.event.payload;
    return {
      ok: true,
      event: result.event,
      identity: {
        eventId: p.event_id,
        entityType: p.entity_type,
        entityId: p.entity_id,
        seq: p.seq,
        payloadHash: digest(message.value!, result),
      },
    };
  };

  return {
    decode(message) {
      const cached = codec.decodeCached(message.value);
      if (cached) return toOutcome(message, cached);
      return codec.decode(message.value).then((result) => toOutcome(message, result));
    },
  };
}
