/**
 * The decoder's content digest is what tells a redelivery (same event) from an event id reused for other content.
 * The same event written with an older schema version must digest like its current-version encoding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import { createPaymentCodec, subjectFor, writeWireFormat, type PaymentEvent } from '@spr/contracts';
import { createSchemaRegistryClient } from '@spr/routing';
import { testStack, uniqueName } from '@spr/testing';
import { describe, expect, it } from 'vitest';
import { createPaymentDecoder } from './payment-decoder.ts';

const schemas = join(import.meta.dirname, '..', '..', '..', 'schemas', 'payments', 'PaymentCaptured');
const message = (value: Buffer) => ({
  topic: 't',
  partition: 0,
  offset: 0n,
  key: null,
  value,
  headers: {},
  timestamp: 0,
});

describe('payment decoder', () => {
  it(
    'digests an event the same whichever schema version wrote it, ' + 'and differently when the content differs',
    async () => {
      const registry = createSchemaRegistryClient({ url: testStack().schemaRegistryUrl });
      const topic = uniqueName('decoder');
      const codec = createPaymentCodec({ registry, topic });
      // v1 of PaymentCaptured, registered as an older producer would have.
      const v1 = JSON.parse(readFileSync(join(schemas, 'v1.avsc'), 'utf8')) as object;
      const { id: v1Id } = await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(v1) },
        { subject: subjectFor(topic, 'PaymentCaptured'), compatibility: COMPATIBILITY.FULL_TRANSITIVE },
      );
      const v1Body = readFileSync(join(schemas, 'fixtures', 'v1.avro'));
      const decoder = createPaymentDecoder(codec);
      const old = await decoder.decode(message(writeWireFormat(v1Id, v1Body)));
      expect(old.ok).toBe(true);
      if (!old.ok) return;

      // The same event, written by the current producer (v2, with the optional field at its default).
      const current = await codec.encode(old.event);
      expect(current.schemaId).not.toBe(v1Id);
      const fresh = await decoder.decode(message(current.value));
      expect(fresh.ok && fresh.identity.payloadHash.equals(old.identity.payloadHash)).toBe(true);

      // Different content under the same id digests differently.
      const altered = {
        ...old.event,
        payload: {
          ...old.event.payload,
          amount_minor: (old.event.payload as { amount_minor: bigint }).amount_minor + 1n,
        },
      } as PaymentEvent;
      const other = await decoder.decode(message((await codec.encode(altered)).value));
      expect(other.ok && !other.identity.payloadHash.equals(old.identity.payloadHash)).toBe(true);
      expect(old.identity).toMatchObject({
        eventId: old.event.payload.event_id,
        entityType: 'payment',
        entityId: old.event.payload.entity_id,
        seq: old.event.payload.seq,
      });
    },
  );
});
