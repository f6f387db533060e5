import { describe, expect, it } from 'vitest';
import { compositeKey, MAX_ENTITY_ID_BYTES, parseCompositeKey, type CompositeKeyParts } from './composite-key.ts';
import { RoutingError } from './routing-error.ts';

function invalidPartError(parts: CompositeKeyParts): RoutingError {
  try {
    compositeKey(parts);
  } catch (error) {
    if (error instanceof RoutingError) return error;
    throw error;
  }
  throw new Error(`compositeKey accepted ${JSON.stringify(parts)}`);
}

describe('compositeKey', () => {
  it('joins the entity type and id with a colon', () => {
    expect(compositeKey({ entityType: 'payment', entityId: '0d6f1f76-3c5e-4b8e-9a57-2f1f0c2f5e11' })).toBe(
      'payment:0d6f1f76-3c5e-4b8e-9a57-2f1f0c2f5e11',
    );
    expect(compositeKey({ entityType: 'ledger.account_v2-eu', entityId: 'x' })).toBe('ledger.account_v2-eu:x');
  });

  it('lets the id contain colons, spaces inside and any Unicode, since the key splits at its first colon', () => {
    for (const entityId of ['acct:42:eur', 'a b', 'Zoë', '日本語', '😀', '🇪🇺']) {
      const key = compositeKey({ entityType: 'account', entityId });
      expect(parseCompositeKey(key)).toEqual({ success: true, entityType: 'account', entityId });
    }
  });

  it.each<[CompositeKeyParts, string]>([
    [{ entityType: '', entityId: '1' }, 'entityType must not be empty'],
    [{ entityType: 'payment', entityId: '' }, 'entityId must not be empty'],
    [
      { entityType: 'pay:ment', entityId: '1' },
      "entityType 'pay:ment' contains ':' which would make the key ambiguous",
    ],
    [{ entityType: ' payment', entityId: '1' }, "entityType ' payment' has leading or trailing whitespace"],
    [{ entityType: 'payment', entityId: '1\t' }, "entityId '1\\t' has leading or trailing whitespace"],
    [{ entityType: 'payment', entityId: '\u00a01' }, "entityId '\u00a01' has leading or trailing whitespace"],
    [{ entityType: 'payment', entityId: 'a\u0000b' }, "entityId 'a\\u0000b' contains a control character"],
    [{ entityType: 'payment', entityId: 'a\u0085b' }, "entityId 'a\u0085b' contains a control character"],
    [{ entityType: 'payment', entityId: 'a\ud83db' }, "entityId 'a\\ud83db' contains a lone surrogate"],
  ])('rejects %j with "%s"', (parts, message) => {
    const error = invalidPartError(parts);
    expect(error.code).toBe('INVALID_KEY_PART');
    expect(error.retriable).toBe(false);
    expect(error.message.startsWith(message)).toBe(true);
  });

  it.each(['Payment', '1payment', 'pay ment', 'paymént', '_payment', 'pay/ment'])(
    'rejects the entity type %j outside the allowed alphabet',
    (entityType) => {
      const error = invalidPartError({ entityType, entityId: '1' });
      expect(error.code).toBe('INVALID_KEY_PART');
      expect(error.message).toContain('entityType');
      expect(error.message).toContain('must match /^[a-z][a-z0-9_.-]*$/');
      expect(error.context).toEqual({ part: 'entityType', value: entityType });
    },
  );

  it(`accepts an id of ${MAX_ENTITY_ID_BYTES} UTF-8 bytes and rejects one more`, () => {
    const longest = 'é'.repeat(MAX_ENTITY_ID_BYTES / 2);
    expect(compositeKey({ entityType: 'payment', entityId: longest })).toBe(`payment:${longest}`);
    const error = invalidPartError({ entityType: 'payment', entityId: `${longest}x` });
    expect(error.message).toMatch(/is 513 UTF-8 bytes long; at most 512 are allowed$/);
    expect(error.message.length).toBeLessThan(200);
  });

  it('rejects parts that are not strings, as from untyped input', () => {
    const error = invalidPartError({ entityType: 'payment', entityId: 42 } as unknown as CompositeKeyParts);
    expect(error.message).toBe('entityId must be a string, got number');
  });
});

describe('parseCompositeKey', () => {
  it('splits a key at its first colon', () => {
    expect(parseCompositeKey('payment:a:b')).toEqual({ success: true, entityType: 'payment', entityId: 'a:b' });
  });

  it('reports a key without a separator', () => {
    expect(parseCompositeKey('payment')).toEqual({
      success: false,
      reason: 'MISSING_SEPARATOR',
      message: "key 'payment' has no ':' between entityType and entityId",
    });
  });

  it.each([
    [':1', 'entityType', 'entityType must not be empty'],
    ['payment:', 'entityId', 'entityId must not be empty'],
    ['Payment:1', 'entityType', "entityType 'Payment' must match"],
    ['payment: 1', 'entityId', "entityId ' 1' has leading or trailing whitespace"],
  ] as const)('refuses %j, naming the %s', (key, part, message) => {
    const parsed = parseCompositeKey(key);
    expect(parsed).toMatchObject({ success: false, reason: 'INVALID_KEY_PART', part });
    expect(!parsed.success && parsed.message.startsWith(message)).toBe(true);
  });

  it('returns what compositeKey was given', () => {
    const parts = { entityType: 'ledger.entry', entityId: 'eu:2024:000042' };
    expect(parseCompositeKey(compositeKey(parts))).toEqual({ success: true, ...parts });
  });
});
