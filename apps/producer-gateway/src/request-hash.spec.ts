import { describe, expect, it } from 'vitest';
import { canonicalJson, idempotencyLockKey, requestHash } from './request-hash.ts';

const base = {
  method: 'POST',
  route: '/v1/payments/:id/capture',
  params: { id: 'p-1' },
  body: { amount_minor: '100', acquirer_reference: null },
};

describe('request hash', () => {
  it('writes canonical JSON: keys sorted at every level, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], é: true })).toBe(
      '{"a":[{"c":"x","d":null}],"b":1,"é":true}',
    );
    expect(() => canonicalJson({ a: undefined })).toThrowError(TypeError);
    expect(() => canonicalJson(Number.NaN)).toThrowError(TypeError);
  });

  it('is the same for the same request whatever the key order', () => {
    expect(requestHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash({ ...base, body: { acquirer_reference: null, amount_minor: '100' } })).toBe(requestHash(base));
    expect(requestHash({ ...base, method: 'post' })).toBe(requestHash(base));
  });

  it('differs when the method, route, path parameters or body differ', () => {
    const hash = requestHash(base);
    expect(requestHash({ ...base, method: 'PUT' })).not.toBe(hash);
    expect(requestHash({ ...base, route: '/v1/payments/:id/refunds' })).not.toBe(hash);
    expect(requestHash({ ...base, params: { id: 'p-2' } })).not.toBe(hash);
    expect(requestHash({ ...base, body: { amount_minor: 100, acquirer_reference: null } })).not.toBe(hash);
    expect(requestHash({ ...base, body: { amount_minor: '100' } })).not.toBe(hash);
  });

  it('treats an absent body as an empty object', () => {
    expect(requestHash({ ...base, body: undefined })).toBe(requestHash({ ...base, body: {} }));
  });

  it('derives a signed 64-bit advisory lock key per (API key, Idempotency-Key)', () => {
    const key = idempotencyLockKey('merchant-a', 'k-1');
    expect(BigInt(key) >= -(2n ** 63n) && BigInt(key) < 2n ** 63n).toBe(true);
    expect(idempotencyLockKey('merchant-a', 'k-1')).toBe(key);
    expect(idempotencyLockKey('merchant-b', 'k-1')).not.toBe(key);
    expect(idempotencyLockKey('merchant-a', 'k-2')).not.toBe(key);
    // The separator keeps ("a", "bc") and ("ab", "c") apart.
    expect(idempotencyLockKey('a', 'bc')).not.toBe(idempotencyLockKey('ab', 'c'));
  });
});
