import type avro from 'avsc';
import { parseAvroSchema } from './avro/parse-avro-schema.ts';
import { subjectName } from './avro/subject-name.ts';
import type { EventDecodeResult } from './decode-result.ts';
import { createEventCodec, type EventCodec, type EventCodecOptions } from './event-codec.ts';
import { PAYMENTS_CONTRACT, type PaymentEvent, type PaymentEventType } from './generated/payments.ts';

export type PaymentCodec = EventCodec<PaymentEvent>;
export type PaymentCodecOptions = EventCodecOptions;
/** The outcome of decoding one payments message. */
export type DecodeResult = EventDecodeResult<PaymentEvent>;

/** Encodes and decodes every payments event on one topic, through the registry, in the Confluent wire format. */
export function createPaymentCodec(options: PaymentCodecOptions): PaymentCodec {
  return createEventCodec(PAYMENTS_CONTRACT, options);
}

/** The registry subject of a payments record type on `topic` (TopicRecordNameStrategy). */
export function subjectFor(topic: string, type: PaymentEventType): string {
  return subjectName(topic, PAYMENTS_CONTRACT.records[type].fullName);
}

/** The current Avro type of every payments event, parsed anew on each call: keep the result. */
export function paymentTypes(): Readonly<Record<PaymentEventType, avro.Type>> {
  const records = Object.values(PAYMENTS_CONTRACT.records);
  return Object.freeze(
    Object.fromEntries(records.map((r) => [r.type, parseAvroSchema(JSON.parse(r.schema))])) as Record<
      PaymentEventType,
      avro.Type
    >,
  );
}
