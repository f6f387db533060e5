import { createHash } from 'node:crypto';

/** What identifies a write request for idempotency: the same key may only ever carry the same request. */
export interface RequestFingerprint {
  readonly method: string;
  /** The route pattern, e.g. `/v1/payments/:id/capture`. */
  readonly route: string;
  /** The path parameters (which payment). */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body; an absent body counts as `{}`. */
  readonly body: unknown;
}

/**
 * JSON with object keys sorted at every level and no whitespace: two bodies that differ only in key order or
 * formatting have the same canonical form. Values are taken as JSON.parse produced them, so `"100"` and `100`
 * stay different (they are different requests, even if both are valid amounts).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} is not a JSON value`);
}

/** The hex SHA-256 of the request's method, route, path parameters and canonical body. */
export function requestHash(request: RequestFingerprint): string {
  const text = canonicalJson({
    method: request.method.toUpperCase(),
    route: request.route,
    params: request.params,
    body: request.body ?? {},
  });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The key of the transaction-level advisory lock that makes one (API key, Idempotency-Key) pair be processed by
 * one transaction at a time: the first 8 bytes of a SHA-256 as a signed 64-bit integer (PostgreSQL's bigint),
 * in decimal. A collision of two pairs only ever makes one of them answer 409 and be retried.
 */
export function idempotencyLockKey(apiKeyId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`spr-idempotency\0${apiKeyId}\0${idempotencyKey}`, 'utf8').digest();
  return digest.readBigInt64BE(0).toString();
}
