/** The codec's decisions, against a registry double that counts calls: caching, negative caching, failures. */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { ContractError } from './errors.ts';
import { createEventCodec, type CodecRegistry } from './event-codec.ts';
import type { EventContract } from './event-contract.ts';
import { writeWireFormat } from './wire-format.ts';

interface Thing {
  id: string;
  amount_minor: bigint;
  note: string | null;
}
type TestEvent = { type: 'Thing'; payload: Thing };

const THING_V1 = {
  type: 'record',
  name: 'Thing',
  namespace: 'dev.spr.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount_minor', type: 'long' },
  ],
};
const THING_V2 = {
  ...THING_V1,
  fields: [...THING_V1.fields, { name: 'note', type: ['null', 'string'], default: null }],
};
const CONTRACT: EventContract<TestEvent> = {
  domain: 'test',
  defaultTopic: 'things',
  records: {
    Thing: {
      type: 'Thing',
      fullName: 'dev.spr.test.Thing',
      version: 2,
      compatibility: 'FULL_TRANSITIVE',
      schema: JSON.stringify(THING_V2),
    },
  },
};
const V1_ID = 11;
const V2_ID = 12;
const FOREIGN_ID = 13;
const INCOMPATIBLE_ID = 14;
const SCHEMAS: Record<number, unknown> = {
  [V1_ID]: THING_V1,
  [V2_ID]: THING_V2,
  [FOREIGN_ID]: { type: 'record', name: 'Other', namespace: 'dev.spr.test', fields: [] },
  [INCOMPATIBLE_ID]: { ...THING_V1, fields: [{ name: 'id', type: 'long' }] },
};

const httpError = (status: number, message: string) => Object.assign(new Error(message), { status });

/** A registry double: the schemas above (parsed as the npm client would), a switch to take it down, call counts. */
function fakeRegistry() {
  const state = { down: false, refuse: false, lookups: [] as number[], registrations: [] as string[] };
  const registry = {
    async getSchema(id: number) {
      state.lookups.push(id);
      if (state.down) throw httpError(400, 'connect ECONNREFUSED 127.0.0.1:18081');
      const schema = SCHEMAS[id];
      if (schema === undefined) throw httpError(404, `Schema ${id} not found.`);
      return avro.Type.forSchema(schema as avro.Schema);
    },
    async register(_schema: unknown, options: { subject: string }) {
      state.registrations.push(options.subject);
      if (state.down) throw httpError(503, 'Service Unavailable');
      if (state.refuse) throw httpError(409, 'Incompatible schema');
      return { id: V2_ID };
    },
  };
  return { state, registry: registry as unknown as CodecRegistry };
}

const thing: Thing = { id: 't-1', amount_minor: 2n ** 60n, note: 'hello' };
const v1Message = writeWireFormat(
  V1_ID,
  avro.Type.forSchema(THING_V1 as avro.Schema).toBuffer({ id: 't-1', amount_minor: 5 }),
);

function codec(options: { unknownIdLookups?: number; maxUnknownIds?: number } = {}) {
  const fake = fakeRegistry();
  return { ...fake, codec: createEventCodec(CONTRACT, { registry: fake.registry, topic: 'things', ...options }) };
}

describe('createEventCodec', () => {
  it('encodes in the wire format, registering the schema once under <topic>-<record>', async () => {
    const { codec: c, state } = codec();
    const [first, second] = await Promise.all([
      c.encode({ type: 'Thing', payload: thing }),
      c.encode({ type: 'Thing', payload: thing }),
    ]);
    expect(first.schemaId).toBe(V2_ID);
    expect(first.value.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, V2_ID]));
    expect(second.value).toEqual(first.value);
    expect(state.registrations).toEqual(['things-dev.spr.test.Thing']);
    // The codec knows the id it registered: its own messages decode without asking the registry.
    expect(c.decodeCached(first.value)).toEqual({
      ok: true,
      event: { type: 'Thing', payload: thing },
      schemaId: V2_ID,
    });
    expect(state.lookups).toEqual([]);
  });

  it('decodes an old writer into the current reader, then answers from the cache synchronously', async () => {
    const { codec: c, state } = codec();
    expect(c.decodeCached(v1Message)).toBeUndefined();
    const expected = {
      ok: true,
      event: { type: 'Thing', payload: { id: 't-1', amount_minor: 5n, note: null } },
      schemaId: V1_ID,
    };
    expect(await c.decode(v1Message)).toEqual(expected);
    expect(c.decodeCached(v1Message)).toEqual(expected);
    expect(state.lookups).toEqual([V1_ID]);
  });

  it('asks the registry once for concurrent decodes of one new id', async () => {
    const { codec: c, state } = codec();
    const results = await Promise.all(Array.from({ length: 5 }, () => c.decode(v1Message)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(state.lookups).toEqual([V1_ID]);
  });

  it('answers an unknown id from a negative cache after the allowed look-ups', async () => {
    const { codec: c, state } = codec({ unknownIdLookups: 3 });
    const message = writeWireFormat(999, Buffer.from([2, 0x61]));
    for (let i = 1; i <= 3; i++) {
      expect(await c.decode(message)).toMatchObject({
        ok: false,
        reason: 'UNKNOWN_SCHEMA_ID',
        retriable: false,
        schemaId: 999,
      });
      expect(state.lookups).toHaveLength(i);
    }
    expect(c.decodeCached(message)).toMatchObject({
      reason: 'UNKNOWN_SCHEMA_ID',
      error: 'schema id 999 is not in the registry (look-up 3 of 3)',
    });
    await c.decode(message);
    expect(state.lookups).toHaveLength(3);
  });

  it('bounds the unknown ids it remembers', async () => {
    const { codec: c, state } = codec({ unknownIdLookups: 1, maxUnknownIds: 2 });
    for (const id of [901, 902, 903]) await c.decode(writeWireFormat(id, Buffer.alloc(0)));
    expect(c.decodeCached(writeWireFormat(901, Buffer.alloc(0)))).toBeUndefined(); // evicted, the oldest
    expect(c.decodeCached(writeWireFormat(903, Buffer.alloc(0)))).toMatchObject({ reason: 'UNKNOWN_SCHEMA_ID' });
    expect(state.lookups).toEqual([901, 902, 903]);
  });

  it('reports a registry that does not answer as retriable and does not cache it', async () => {
    const { codec: c, state } = codec();
    state.down = true;
    expect(await c.decode(v1Message)).toMatchObject({
      ok: false,
      reason: 'REGISTRY_UNAVAILABLE',
      retriable: true,
      schemaId: V1_ID,
    });
    expect(c.decodeCached(v1Message)).toBeUndefined();
    state.down = false;
    expect(await c.decode(v1Message)).toMatchObject({ ok: true });
  });

  it('rejects a schema id of another record, or of a version the reader cannot read', async () => {
    const { codec: c } = codec();
    expect(await c.decode(writeWireFormat(FOREIGN_ID, Buffer.alloc(0)))).toMatchObject({
      reason: 'UNKNOWN_RECORD_TYPE',
      error: 'schema id 13 is dev.spr.test.Other, not one of dev.spr.test.Thing',
    });
    expect(await c.decode(writeWireFormat(INCOMPATIBLE_ID, Buffer.from([2])))).toMatchObject({
      reason: 'INCOMPATIBLE_SCHEMA',
      retriable: false,
      schemaId: INCOMPATIBLE_ID,
    });
  });

  it('tells tombstones, bad headers, cut bodies, trailing bytes and garbage apart', async () => {
    const { codec: c } = codec();
    const body = avro.Type.forSchema(THING_V2 as avro.Schema).toBuffer({ id: 't-1', amount_minor: 5, note: 'x' });
    const reasons = async (value: Buffer | null) => ((await c.decode(value)) as { reason?: string }).reason;
    expect(await reasons(null)).toBe('TOMBSTONE');
    expect(await reasons(Buffer.from([1, 0, 0, 0, V2_ID]))).toBe('BAD_MAGIC_BYTE');
    expect(await reasons(Buffer.from([0, 0, 0]))).toBe('TRUNCATED');
    expect(await reasons(writeWireFormat(V2_ID, body.subarray(0, body.length - 1)))).toBe('TRUNCATED');
    expect(await reasons(writeWireFormat(V2_ID, Buffer.concat([body, Buffer.from([0])])))).toBe('INVALID_BODY');
    // id "t-1", amount 5, then union branch 4 of a two-branch union
    expect(await reasons(writeWireFormat(V2_ID, Buffer.from([6, 0x74, 0x2d, 0x31, 10, 8])))).toBe('INVALID_BODY');
  });

  it('names the field of an invalid payload and the unknown event type', async () => {
    const { codec: c, state } = codec();
    const invalid = { type: 'Thing', payload: { ...thing, amount_minor: 12 } } as unknown as TestEvent;
    await expect(c.encode(invalid)).rejects.toThrowError(
      "Thing does not match its schema v2: field 'amount_minor' must be a long (bigint), got 12 (number)",
    );
    await expect(c.encode({ type: 'Nothing' } as unknown as TestEvent)).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
    });
    expect(state.registrations).toEqual([]);
  });

  it('tells a refused registration from an unavailable registry', async () => {
    const refused = codec();
    refused.state.refuse = true;
    await expect(refused.codec.registerAll()).rejects.toMatchObject({ code: 'REGISTRATION_REFUSED', retriable: false });
    const down = codec();
    down.state.down = true;
    await expect(down.codec.registerAll()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retriable: true });
    down.state.down = false;
    expect(await down.codec.registerAll()).toEqual({ Thing: V2_ID });
  });

  it('refuses bad options up front', () => {
    const { registry } = fakeRegistry();
    expect(() => createEventCodec(CONTRACT, { registry, topic: 'no spaces' })).toThrowError(ContractError);
    expect(() => createEventCodec(CONTRACT, { registry, topic: 't', unknownIdLookups: 0 })).toThrowError(
      'unknownIdLookups must be a positive integer, got 0',
    );
  });
});
