import { describe, expect, it } from 'vitest';
import { ContractError } from '../errors.ts';
import { fromJsonValue, toJsonValue } from './json-value.ts';
import { parseAvroSchema } from './parse-avro-schema.ts';

const type = parseAvroSchema({
  type: 'record',
  name: 'T',
  namespace: 'dev.spr.test',
  fields: [
    { name: 'amount_minor', type: 'long' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
    { name: 'raw', type: 'bytes' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'counts', type: { type: 'map', values: 'long' } },
    { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'n', type: 'int' }] } },
  ],
});

const json = {
  amount_minor: '9007199254740993',
  at: '2025-03-14T09:26:53.589Z',
  note: null,
  kind: 'B',
  raw: '00ff',
  tags: ['x'],
  counts: { a: '-1' },
  inner: { n: 3 },
};

describe('the contract JSON form', () => {
  it('converts JSON to values avsc encodes, and back, exactly', () => {
    const value = fromJsonValue(type, json);
    expect(value).toEqual({
      amount_minor: 9_007_199_254_740_993n,
      at: new Date('2025-03-14T09:26:53.589Z'),
      note: null,
      kind: 'B',
      raw: Buffer.from([0, 255]),
      tags: ['x'],
      counts: { a: -1n },
      inner: { n: 3 },
    });
    expect(toJsonValue(type, type.fromBuffer(type.toBuffer(value)))).toEqual(json);
  });

  it('names the field of a value that does not fit', () => {
    expect(() => fromJsonValue(type, { ...json, amount_minor: 12 })).toThrowError(
      /field 'amount_minor': expected a long as a decimal string, got 12/,
    );
    expect(() => fromJsonValue(type, { ...json, at: 'yesterday' })).toThrowError(
      /field 'at': expected an ISO-8601 timestamp/,
    );
    expect(() => fromJsonValue(type, { ...json, inner: { n: 'three' } })).toThrowError(/field 'inner.n': expected int/);
    expect(() => fromJsonValue(type, { ...json, extra: 1 })).toThrowError(/dev.spr.test.T has no field 'extra'/);
    expect(() => fromJsonValue(type, { ...json, kind: 'C' })).toThrowError(ContractError);
    const { note: _note, ...withoutNote } = json;
    expect(() => fromJsonValue(type, withoutNote)).toThrowError(/field 'note': missing/);
  });
});
