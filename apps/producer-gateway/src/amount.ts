/** The largest amount an Avro long and a PostgreSQL bigint hold. */
export const MAX_AMOUNT_MINOR = 2n ** 63n - 1n;

const DIGITS = /^[1-9][0-9]*$/;

export const AMOUNT_PROBLEM =
  'must be a positive integer: a JSON string of digits (e.g. "1050") or a JSON integer up to 2^53-1';

export type ParsedAmount =
  { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly problem: string };

/**
 * An amount in minor units from JSON, without ever passing through a float: a string of digits is read as a
 * bigint, and a JSON number only when it is a safe integer (above 2^53 JSON.parse has already rounded it, so
 * such a number is refused rather than silently changed).
 */
export function parseAmountMinor(json: unknown): ParsedAmount {
  if (typeof json === 'string') {
    if (!DIGITS.test(json)) return { ok: false, problem: AMOUNT_PROBLEM };
    const value = BigInt(json);
    if (value > MAX_AMOUNT_MINOR) return { ok: false, problem: `must be at most ${MAX_AMOUNT_MINOR}` };
    return { ok: true, value };
  }
  if (typeof json === 'number') {
    if (!Number.isInteger(json) || json <= 0) return { ok: false, problem: AMOUNT_PROBLEM };
    if (!Number.isSafeInteger(json))
      return {
        ok: false,
        problem: 'is above 2^53-1 as a JSON number, where JSON loses precision: send it as a string of digits',
      };
    return { ok: true, value: BigInt(json) };
  }
  return { ok: false, problem: AMOUNT_PROBLEM };
}
