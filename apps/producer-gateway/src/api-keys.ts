import { createHash, timingSafeEqual } from 'node:crypto';

/** One configured API key: its public id and the SHA-256 of the secret (the secret itself is never stored). */
export interface ApiKeyEntry {
  readonly id: string;
  readonly sha256: Buffer;
}

export type ParsedApiKeys =
  { readonly ok: true; readonly keys: readonly ApiKeyEntry[] } | { readonly ok: false; readonly problem: string };

/** Key ids appear in logs, metrics and the idempotency table, so they are kept to a small alphabet. */
export const API_KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** The hex SHA-256 of a key: what `GATEWAY_API_KEYS` holds for it. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** `<key-id>:<sha256-hex>[,<key-id>:<sha256-hex>...]`, as in GATEWAY_API_KEYS. */
export function parseApiKeys(raw: string): ParsedApiKeys {
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return { ok: false, problem: 'lists no key; expected <key-id>:<sha256-hex>[,...]' };
  const keys: ApiKeyEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    const at = entry.indexOf(':');
    const id = at < 0 ? entry : entry.slice(0, at);
    const hash = at < 0 ? '' : entry.slice(at + 1);
    // The entry itself is not echoed: a key pasted in clear by mistake must not end up in an error log.
    if (at < 0)
      return { ok: false, problem: `entry ${index + 1} has no ':' between the key id and the sha256 hex of the key` };
    if (!API_KEY_ID_PATTERN.test(id))
      return { ok: false, problem: `entry ${index + 1}: key id must match ${String(API_KEY_ID_PATTERN)}` };
    if (!SHA256_HEX.test(hash))
      return {
        ok: false,
        problem: `entry ${index + 1} (key id '${id}'): expected the 64 hex digits of the key's SHA-256, not the key itself`,
      };
    if (keys.some((k) => k.id === id)) return { ok: false, problem: `key id '${id}' appears twice` };
    keys.push({ id, sha256: Buffer.from(hash.toLowerCase(), 'hex') });
  }
  return { ok: true, keys };
}

export type ApiKeyCheck =
  { readonly ok: true; readonly keyId: string } | { readonly ok: false; readonly reason: 'MISSING' | 'INVALID' };

/**
 * Checks the key a request presents (`x-api-key: <key>` or `Authorization: Bearer <key>`). The presented key is
 * hashed and compared with every configured hash in constant time, all of them every time, so neither the
 * comparison nor the number of comparisons tells an attacker how close a guess was.
 */
export function createApiKeyVerifier(
  keys: readonly ApiKeyEntry[],
): (headers: Readonly<Record<string, string | string[] | undefined>>) => ApiKeyCheck {
  return (headers) => {
    const presented = presentedApiKey(headers);
    if (presented === undefined) return { ok: false, reason: 'MISSING' };
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let match: string | undefined;
    for (const key of keys) {
      if (timingSafeEqual(digest, key.sha256) && match === undefined) match = key.id;
    }
    return match === undefined ? { ok: false, reason: 'INVALID' } : { ok: true, keyId: match };
  };
}

/** The key from `x-api-key`, else from `Authorization: Bearer`; undefined when the request carries neither. */
export function presentedApiKey(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const header = single(headers['x-api-key'])?.trim();
  if (header) return header;
  const authorization = single(headers.authorization)?.trim();
  const bearer = authorization && /^Bearer\s+(\S+)$/i.exec(authorization);
  return bearer ? bearer[1] : undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
