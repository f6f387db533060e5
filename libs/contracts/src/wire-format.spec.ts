import { describe, expect, it } from 'vitest';
import { readSchemaId, writeWireFormat } from './wire-format.ts';

describe('Confluent wire format', () => {
  it('writes magic byte 0, the schema id big-endian, then the body', () => {
    const message = writeWireFormat(258, Buffer.from([7, 8]));
    expect([...message]).toEqual([0, 0, 0, 1, 2, 7, 8]);
    expect(readSchemaId(message)).toBe(258);
  });

  it('tells a wrong magic byte, naming it', () => {
    expect(readSchemaId(Buffer.from('{"json":true}'))).toEqual({
      ok: false,
      reason: 'BAD_MAGIC_BYTE',
      retriable: false,
      error: 'magic byte 0x7b, expected 0x00 (Confluent wire format)',
    });
  });

  it('tells a header cut short from an empty message', () => {
    expect(readSchemaId(Buffer.from([0, 0, 1]))).toMatchObject({
      reason: 'TRUNCATED',
      error: '3 bytes: the wire-format header alone needs 5',
    });
    expect(readSchemaId(Buffer.alloc(0))).toMatchObject({ reason: 'TRUNCATED', retriable: false });
  });
});
