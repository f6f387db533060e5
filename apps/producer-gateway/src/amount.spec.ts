import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT_MINOR, parseAmountMinor } from './amount.ts';

describe('parseAmountMinor', () => {
  it('reads a string of digits as a bigint, beyond what a float holds exactly', () => {
    expect(parseAmountMinor('1050')).toEqual({ ok: true, value: 1050n });
    expect(parseAmountMinor('9007199254740993')).toEqual({ ok: true, value: 9_007_199_254_740_993n });
    expect(parseAmountMinor(MAX_AMOUNT_MINOR.toString())).toEqual({ ok: true, value: MAX_AMOUNT_MINOR });
  });

  it('reads a safe positive JSON integer', () => {
    expect(parseAmountMinor(1)).toEqual({ ok: true, value: 1n });
    expect(parseAmountMinor(Number.MAX_SAFE_INTEGER)).toEqual({ ok: true, value: BigInt(Number.MAX_SAFE_INTEGER) });
  });

  it.each([
    ['zero', 0],
    ['a negative number', -5],
    ['a fraction', 10.5],
    ['a string with a fraction', '10.50'],
    ['a string with a sign', '+10'],
    ['a negative string', '-10'],
    ['a leading zero', '010'],
    ['the string zero', '0'],
    ['an exponent', '1e3'],
    ['whitespace', ' 10'],
    ['an empty string', ''],
    ['null', null],
    ['a boolean', true],
    ['an object', { amount: 1 }],
  ])('refuses %s', (_what, value) => {
    expect(parseAmountMinor(value)).toMatchObject({ ok: false, problem: expect.stringContaining('positive integer') });
  });

  it('refuses a JSON number above 2^53-1 (JSON.parse has already rounded it) and a string above int64', () => {
    expect(parseAmountMinor(2 ** 53 + 2)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('send it as a string of digits'),
    });
    expect(parseAmountMinor((MAX_AMOUNT_MINOR + 1n).toString())).toEqual({
      ok: false,
      problem: `must be at most ${MAX_AMOUNT_MINOR}`,
    });
  });
});
