import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from './parse-avro-schema.ts';

const record = (fields: unknown[]) => ({ type: 'record', name: 'T', namespace: 'dev.spr.test', fields });

describe('parseAvroSchema', () => {
  it('reads and writes long as bigint over the whole 64-bit range', () => {
    const type = parseAvroSchema(
      record([
        { name: 'a', type: 'long' },
        { name: 'b', type: { type: 'long' } },
        { name: 'c', type: ['null', 'long'], default: null },
      ]),
    );
    for (const value of [-(2n ** 63n), -1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n]) {
      const decoded = type.fromBuffer(type.toBuffer({ a: value, b: value, c: value }));
      expect(decoded).toEqual({ a: value, b: value, c: value });
    }
  });

  it('refuses a number or an out-of-range bigint where a long goes', () => {
    const type = parseAvroSchema(record([{ name: 'a', type: 'long' }]));
    expect(type.isValid({ a: 12 })).toBe(false);
    expect(type.isValid({ a: 2n ** 63n })).toBe(false);
  });

  it('takes long defaults from the schema as bigint', () => {
    const type = parseAvroSchema(record([{ name: 'a', type: 'long', default: 7 }]));
    expect((type as avro.types.RecordType).fields[0]!.defaultValue()).toBe(7n);
  });

  it('reads and writes timestamp-millis as Date', () => {
    const type = parseAvroSchema(record([{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }]));
    const at = new Date('2025-03-14T09:26:53.589Z');
    expect(type.fromBuffer(type.toBuffer({ at }))).toEqual({ at });
    expect(type.isValid({ at: new Date(Number.NaN) })).toBe(false);
    expect(type.isValid({ at: at.getTime() })).toBe(false);
  });

  it('resolves a plain long writer into a timestamp-millis reader, and the reverse', () => {
    const asLong = parseAvroSchema(record([{ name: 'at', type: 'long' }]));
    const asTimestamp = parseAvroSchema(
      record([{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }]),
    );
    const bytes = asLong.toBuffer({ at: 1_741_944_413_589n });
    expect(asTimestamp.fromBuffer(bytes, asTimestamp.createResolver(asLong))).toEqual({
      at: new Date(1_741_944_413_589),
    });
    const back = asTimestamp.toBuffer({ at: new Date(1_741_944_413_589) });
    expect(asLong.fromBuffer(back, asLong.createResolver(asTimestamp))).toEqual({ at: 1_741_944_413_589n });
  });

  it('leaves optional values unwrapped and uuid a string', () => {
    const type = parseAvroSchema(
      record([
        { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
        { name: 'note', type: ['null', 'string'], default: null },
      ]),
    );
    const value = { id: '0b7e6f1c-4c5a-4f0e-9d3b-6a2f8e1d9c01', note: 'x' };
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });

  it('decodes records as plain objects, without avsc record methods', () => {
    const type = parseAvroSchema(record([{ name: 'a', type: 'string' }]));
    expect(Object.keys(Object.getPrototypeOf(type.fromBuffer(type.toBuffer({ a: 'x' }))) as object)).toEqual([]);
  });
});
