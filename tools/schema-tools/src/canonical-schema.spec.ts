import { describe, expect, it } from 'vitest';
import { canonicalSchema } from './canonical-schema.ts';

describe('canonicalSchema', () => {
  it('is compact JSON with keys in one order, whatever order and spacing the file uses', () => {
    const a = {
      fields: [{ doc: 'd', type: 'long', name: 'x', default: 0 }],
      type: 'record',
      name: 'R',
      'x-extra': 1,
      namespace: 'n',
    };
    const b = {
      name: 'R',
      namespace: 'n',
      type: 'record',
      'x-extra': 1,
      fields: [{ name: 'x', default: 0, type: 'long', doc: 'd' }],
    };
    expect(canonicalSchema(a)).toBe(
      '{"name":"R","type":"record","namespace":"n","fields":[{"name":"x","type":"long","doc":"d","default":0}],"x-extra":1}',
    );
    expect(canonicalSchema(b)).toBe(canonicalSchema(a));
  });

  it('keeps docs and defaults, which the registry and the readers need', () => {
    expect(
      canonicalSchema({
        type: 'record',
        name: 'R',
        doc: 'why',
        fields: [{ name: 'o', type: ['null', 'string'], default: null }],
      }),
    ).toContain('"doc":"why"');
  });
});
