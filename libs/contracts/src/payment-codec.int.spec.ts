/** The payments codec against the real registry (Apicurio's Confluent-compatible API), on unique topics. */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { testStack, uniqueName } from '@spr/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { fromJsonValue } from './avro/json-value.ts';
import { ContractError } from './errors.ts';
import { PAYMENT_EVENT_TYPES, PAYMENTS_CONTRACT, type PaymentEvent } from './generated/payments.ts';
import { createPaymentCodec, subjectFor } from './payment-codec.ts';
import { paymentFixtures } from './test-support/golden-fixtures.ts';
import { writeWireFormat } from './wire-format.ts';

const { schemaRegistryUrl } = testStack();
const registry = new SchemaRegistry({ host: schemaRegistryUrl });
const topics: string[] = [];

function newTopic(): string {
  const topic = uniqueName('payments');
  topics.push(topic);
  return topic;
}

async function registryJson(path: string, method = 'GET'): Promise<unknown> {
  const response = await fetch(`${schemaRegistryUrl}${path}`, { method });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

afterAll(async () => {
  const subjects = (await registryJson('/subjects')) as string[];
  for (const subject of subjects.filter((s) => topics.some((t) => s.startsWith(`${t}-`)))) {
    await registryJson(`/subjects/${subject}`, 'DELETE');
    await registryJson(`/subjects/${subject}?permanent=true`, 'DELETE');
  }
});

/** One event of every type: the current version's golden fixture. */
const events: PaymentEvent[] = paymentFixtures()
  .filter((f) => f.version === PAYMENTS_CONTRACT.records[f.type].version)
  .map((f) => ({ type: f.type, payload: fromJsonValue(f.writer, f.json) }) as PaymentEvent);

describe('createPaymentCodec against the real registry', () => {
  it('registers every record under <topic>-<record full name> with its level, idempotently', async () => {
    const topic = newTopic();
    const ids = await createPaymentCodec({ registry, topic }).registerAll();
    expect(Object.keys(ids)).toEqual([...PAYMENT_EVENT_TYPES]);
    expect(await createPaymentCodec({ registry, topic }).registerAll()).toEqual(ids);

    for (const type of PAYMENT_EVENT_TYPES) {
      const subject = subjectFor(topic, type);
      expect(subject).toBe(`${topic}-dev.spr.payments.${type}`);
      expect(await registryJson(`/subjects/${subject}/versions`)).toEqual([1]);
      expect(await registryJson(`/config/${subject}`)).toMatchObject({ compatibilityLevel: 'FULL_TRANSITIVE' });
    }
  });

  it('registers a new topic from several processes at once (replicas starting together)', async () => {
    const topic = uniqueName('payments_race');
    // Separate clients, as separate processes would have: no shared cache.
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        createPaymentCodec({ registry: new SchemaRegistry({ host: schemaRegistryUrl }), topic }).registerAll(),
      ),
    );
    for (const ids of results) expect(ids).toEqual(results[0]);
  });

  it('round-trips every event type: a producer encodes, a consumer that has never seen the ids decodes', async () => {
    const topic = newTopic();
    const producer = createPaymentCodec({ registry, topic });
    const consumer = createPaymentCodec({ registry: new SchemaRegistry({ host: schemaRegistryUrl }), topic });
    expect(events.map((e) => e.type)).toEqual([...PAYMENT_EVENT_TYPES]);

    for (const event of events) {
      const { value, schemaId } = await producer.encode(event);
      expect(consumer.decodeCached(value)).toBeUndefined();
      expect(await consumer.decode(value)).toEqual({ ok: true, event, schemaId });
      expect(consumer.decodeCached(value)).toEqual({ ok: true, event, schemaId });
      expect(await consumer.decode(value.subarray(0, value.length - 2))).toMatchObject({
        ok: false,
        reason: 'TRUNCATED',
        schemaId,
      });
    }
  });

  it('decodes data written with an earlier version into the current type', async () => {
    const topic = newTopic();
    const v1 = paymentFixtures().find((f) => f.type === 'PaymentCaptured' && f.version === 1)!;
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v1.writer.schema()) },
      { subject: subjectFor(topic, 'PaymentCaptured') },
    );
    const result = await createPaymentCodec({ registry, topic }).decode(writeWireFormat(id, v1.body));
    expect(result).toMatchObject({
      ok: true,
      schemaId: id,
      event: { type: 'PaymentCaptured', payload: { amount_minor: 12_550n, acquirer_reference: null } },
    });
  });

  it('answers an id the registry does not have from a negative cache after the allowed look-ups', async () => {
    const lookups: number[] = [];
    const counting = {
      register: registry.register.bind(registry),
      getSchema: (id: number) => (lookups.push(id), registry.getSchema(id)),
    };
    const codec = createPaymentCodec({
      registry: counting as unknown as SchemaRegistry,
      topic: newTopic(),
      unknownIdLookups: 2,
    });
    const message = writeWireFormat(2_000_000_000, Buffer.from([0]));
    for (let i = 0; i < 4; i++) {
      expect(await codec.decode(message)).toMatchObject({
        ok: false,
        reason: 'UNKNOWN_SCHEMA_ID',
        retriable: false,
        schemaId: 2_000_000_000,
      });
    }
    expect(lookups).toEqual([2_000_000_000, 2_000_000_000]);
  });

  it('reports a registry that does not answer as retriable, for decode and encode', async () => {
    const unreachable = new SchemaRegistry({ host: 'http://127.0.0.1:9/apis/ccompat/v7', retry: { retries: 0 } });
    const codec = createPaymentCodec({ registry: unreachable, topic: newTopic() });
    expect(await codec.decode(writeWireFormat(1, Buffer.from([0])))).toMatchObject({
      ok: false,
      reason: 'REGISTRY_UNAVAILABLE',
      retriable: true,
      schemaId: 1,
    });
    const failure = await codec.encode(events[0]!).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ContractError);
    expect(failure).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retriable: true });
  });
});
