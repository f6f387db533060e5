import { describe, expect, it } from 'vitest';
import { inlineParameters, sqlLiteral } from './one-round-trip.ts';

describe('sqlLiteral', () => {
  it('quotes strings, doubling quotes and escaping backslashes in an E string', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(sqlLiteral(`["x\\"y'"]`)).toBe(`E'["x\\\\"y''"]'`);
  });
  it('writes numbers and null bare, and refuses what is not a literal', () => {
    expect(sqlLiteral(42)).toBe('42');
    expect(sqlLiteral(-1.5)).toBe('-1.5');
    expect(sqlLiteral(null)).toBe('NULL');
    expect(() => sqlLiteral(Number.NaN)).toThrow(/NaN/);
    expect(() => sqlLiteral(Buffer.from('x') as unknown as string)).toThrow(/string, a number or null/);
  });
});

describe('inlineParameters', () => {
  it('replaces every $n, $10 after $1 included, keeping casts', () => {
    const values = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
    expect(inlineParameters({ text: 'select $1::jsonb, $10, $2', values })).toBe("select 'v1'::jsonb, 'v10', 'v2'");
  });
  it('names a missing parameter', () => {
    expect(() => inlineParameters({ text: 'select $2', values: ['a'] })).toThrow(/no parameter \$2/);
  });
});
