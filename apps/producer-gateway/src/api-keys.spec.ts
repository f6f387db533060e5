import { describe, expect, it } from 'vitest';
import { createApiKeyVerifier, hashApiKey, parseApiKeys, presentedApiKey } from './api-keys.ts';

const KEY = 'sk_test_4f9a2c';

describe('API keys', () => {
  it('hashes a key to the hex SHA-256 that GATEWAY_API_KEYS holds', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('parses <key-id>:<sha256-hex> entries, upper- or lower-case hex, ignoring blanks', () => {
    const parsed = parseApiKeys(` merchant-a:${hashApiKey(KEY).toUpperCase()} , ,ops.b:${hashApiKey('other')}`);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.keys.map((k) => k.id)).toEqual(['merchant-a', 'ops.b']);
    expect(parsed.keys[0]!.sha256.toString('hex')).toBe(hashApiKey(KEY));
  });

  it('refuses malformed entries without echoing what might be a key in clear', () => {
    expect(parseApiKeys('')).toMatchObject({ ok: false, problem: expect.stringContaining('no key') });
    const clear = parseApiKeys(`a:${KEY}`);
    expect(clear).toMatchObject({ ok: false, problem: expect.stringContaining('not the key itself') });
    expect(JSON.stringify(clear)).not.toContain(KEY);
    expect(parseApiKeys(KEY)).toMatchObject({ ok: false, problem: expect.stringContaining("no ':'") });
    expect(JSON.stringify(parseApiKeys(KEY))).not.toContain(KEY);
    expect(parseApiKeys(`bad id:${hashApiKey(KEY)}`)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('key id must match'),
    });
    expect(parseApiKeys(`a:${hashApiKey(KEY)},a:${hashApiKey('x')}`)).toMatchObject({
      ok: false,
      problem: "key id 'a' appears twice",
    });
  });

  it('takes the key from x-api-key, else from Authorization: Bearer', () => {
    expect(presentedApiKey({ 'x-api-key': KEY })).toBe(KEY);
    expect(presentedApiKey({ authorization: `Bearer ${KEY}` })).toBe(KEY);
    expect(presentedApiKey({ authorization: `bearer   ${KEY}` })).toBe(KEY);
    expect(presentedApiKey({ authorization: `Basic ${KEY}` })).toBeUndefined();
    expect(presentedApiKey({ 'x-api-key': '' })).toBeUndefined();
    expect(presentedApiKey({})).toBeUndefined();
  });

  it('tells a missing key from an invalid one and names the matching key id', () => {
    const parsed = parseApiKeys(`one:${hashApiKey('k-one')},two:${hashApiKey('k-two')}`);
    if (!parsed.ok) throw new Error(parsed.problem);
    const verify = createApiKeyVerifier(parsed.keys);
    expect(verify({ 'x-api-key': 'k-two' })).toEqual({ ok: true, keyId: 'two' });
    expect(verify({ authorization: 'Bearer k-one' })).toEqual({ ok: true, keyId: 'one' });
    expect(verify({ 'x-api-key': 'k-three' })).toEqual({ ok: false, reason: 'INVALID' });
    expect(verify({ 'x-api-key': hashApiKey('k-one') })).toEqual({ ok: false, reason: 'INVALID' });
    expect(verify({})).toEqual({ ok: false, reason: 'MISSING' });
  });
});
