/**
 * Every rule of the API against the running gateway: the status, a JSON error naming what is wrong, and that
 * nothing was written (no state change, no outbox row, no idempotency record).
 */
import { uniqueName } from '@spr/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse } from './api-schemas.ts';
import { validateJson } from './json-schema.ts';
import { idempotencyLockKey } from './request-hash.ts';
import {
  API_KEY,
  OTHER_API_KEY,
  startGatewayHarness,
  type CallOptions,
  type GatewayHarness,
  type HttpResult,
} from './test-support/gateway-harness.ts';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(() => h?.close());

const newPayment = (over: Record<string, unknown> = {}) => ({
  customer_id: uniqueName('cust'),
  merchant_id: 'merchant-1',
  amount_minor: '10000',
  currency: 'EUR',
  payment_method: 'CARD',
  ...over,
});

function expectError(response: HttpResult, status: number, error: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(validateJson(errorResponse, response.json)).toEqual([]);
  expect(response.json.error).toBe(error);
  expect(response.json.message.length).toBeGreaterThan(0);
}

/** Runs the request and checks that it changed nothing at all in the database. */
async function refused(method: string, path: string, options: CallOptions = {}): Promise<HttpResult> {
  const before = await h.snapshot();
  const response = await h.call(method, path, options);
  expect(await h.snapshot()).toEqual(before);
  return response;
}

/** A payment moved to `state` through the API. */
async function paymentIn(
  state: 'initiated' | 'authorized' | 'captured' | 'cancelled',
  amount = '10000',
): Promise<string> {
  const id = (await h.call('POST', '/v1/payments', { body: newPayment({ amount_minor: amount }) })).json
    .payment_id as string;
  if (state === 'cancelled') await h.call('POST', `/v1/payments/${id}/cancel`);
  if (state === 'authorized' || state === 'captured') await h.call('POST', `/v1/payments/${id}/authorize`);
  if (state === 'captured') await h.call('POST', `/v1/payments/${id}/capture`);
  const read = await h.call('GET', `/v1/payments/${id}`);
  expect(read.json.state).toBe(state);
  return id;
}

describe('authentication', () => {
  it('answers 401 without an API key and 403 with a wrong one, on reads and writes, writing nothing', async () => {
    expectError(await refused('POST', '/v1/payments', { body: newPayment(), apiKey: null }), 401, 'unauthenticated');
    expectError(await refused('POST', '/v1/payments', { body: newPayment(), apiKey: 'sk_wrong' }), 403, 'forbidden');
    expectError(
      await refused('POST', '/v1/payments', {
        body: newPayment(),
        apiKey: null,
        headers: { authorization: 'Bearer sk_wrong' },
      }),
      403,
      'forbidden',
    );
    expectError(
      await refused('POST', '/v1/payments', {
        body: newPayment(),
        apiKey: null,
        headers: { authorization: `Basic ${API_KEY}` },
      }),
      401,
      'unauthenticated',
    );
    const id = await paymentIn('initiated');
    expectError(await h.call('GET', `/v1/payments/${id}`, { apiKey: null }), 401, 'unauthenticated');
    expectError(await h.call('GET', `/v1/payments/${id}`, { apiKey: `${API_KEY}x` }), 403, 'forbidden');
  });

  it('checks the key before reading the body', async () => {
    expectError(await refused('POST', '/v1/payments', { rawBody: '{not json', apiKey: null }), 401, 'unauthenticated');
  });
});

describe('request validation', () => {
  it('answers 400 naming each invalid field', async () => {
    const response = await refused('POST', '/v1/payments', {
      body: { customer_id: 'c 1', amount_minor: 12.5, currency: 'eur', payment_method: 'CASH', surprise: true },
    });
    expectError(response, 400, 'invalid_request');
    expect(response.json.fields).toEqual([
      { field: 'merchant_id', problem: 'is required' },
      { field: 'customer_id', problem: expect.stringContaining('letters, digits') },
      { field: 'amount_minor', problem: expect.stringContaining('must be a positive integer') },
      { field: 'currency', problem: expect.stringContaining('ISO-4217') },
      { field: 'payment_method', problem: expect.stringContaining('must be one of') },
      { field: 'surprise', problem: 'is not a field of this request' },
    ]);
    expect(response.json.message).toContain('amount_minor');
  });

  it.each([
    ['a negative integer', -100],
    ['zero', 0],
    ['a fraction', 99.5],
    ['a decimal string', '99.50'],
    ['an exponent', '1e4'],
    ['a JSON number above 2^53', 2 ** 53 + 2],
    ['a string above 2^63-1', '9223372036854775808'],
  ])('refuses amount_minor as %s', async (_what, amount) => {
    const response = await refused('POST', '/v1/payments', {
      rawBody: JSON.stringify(newPayment()).replace('"10000"', JSON.stringify(amount)),
    });
    expectError(response, 400, 'invalid_request');
    expect(response.json.fields).toEqual([{ field: 'amount_minor', problem: expect.any(String) }]);
  });

  it('refuses a currency that is well formed but unknown to the ledger', async () => {
    const response = await refused('POST', '/v1/payments', { body: newPayment({ currency: 'XYZ' }) });
    expectError(response, 400, 'invalid_request');
    expect(response.json.fields).toEqual([
      { field: 'currency', problem: expect.stringContaining("'XYZ' is not an ISO-4217 currency") },
    ]);
  });

  it('refuses an invalid payment id in the path', async () => {
    expectError(await refused('POST', '/v1/payments/bad%20id/authorize'), 400, 'invalid_request');
    const read = await h.call('GET', '/v1/payments/%F0%9F%98%80');
    expectError(read, 400, 'invalid_request');
    expect(read.json.fields).toEqual([{ field: 'id', problem: expect.any(String) }]);
  });

  it('answers 400 to malformed JSON, an empty JSON body and a body that is not an object', async () => {
    expectError(await refused('POST', '/v1/payments', { rawBody: '{"customer_id": "c1",' }), 400, 'invalid_json');
    expectError(
      await refused('POST', '/v1/payments', { rawBody: '', contentType: 'application/json' }),
      400,
      'invalid_json',
    );
    const array = await refused('POST', '/v1/payments', { rawBody: '[1,2]' });
    expectError(array, 400, 'invalid_request');
    expect(array.json.fields).toEqual([{ field: '(body)', problem: 'must be an object' }]);
  });

  it('answers 413 to a body over the limit and 415 to a body that is not JSON', async () => {
    const big = await refused('POST', '/v1/payments', { body: newPayment({ description: 'x'.repeat(17 * 1024) }) });
    expectError(big, 413, 'body_too_large');
    expectError(
      await refused('POST', '/v1/payments', { rawBody: 'customer_id=c1', contentType: 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    expectError(
      await refused('POST', '/v1/payments', {
        rawBody: 'customer_id=c1',
        contentType: 'application/x-www-form-urlencoded',
      }),
      415,
      'unsupported_media_type',
    );
  });
});

describe('the state machine', () => {
  it('answers 404 for an unknown payment, writing nothing', async () => {
    const id = uniqueName('missing');
    expectError(await h.call('GET', `/v1/payments/${id}`), 404, 'payment_not_found');
    for (const [path, body] of [
      ['authorize', {}],
      ['capture', {}],
      ['refunds', { amount_minor: '1' }],
      ['cancel', {}],
      ['fail', { failure_code: 'x' }],
    ] as const) {
      expectError(await refused('POST', `/v1/payments/${id}/${path}`, { body }), 404, 'payment_not_found');
    }
  });

  it('answers 409 with the reason to a transition the state machine refuses, writing nothing', async () => {
    const initiated = await paymentIn('initiated');
    const capture = await refused('POST', `/v1/payments/${initiated}/capture`);
    expectError(capture, 409, 'illegal_transition');
    expect(capture.json).toMatchObject({
      state: 'initiated',
      message: `PaymentCaptured is not allowed: payment ${initiated} is initiated`,
    });
    expectError(
      await refused('POST', `/v1/payments/${initiated}/refunds`, { body: { amount_minor: '1' } }),
      409,
      'illegal_transition',
    );

    const authorized = await paymentIn('authorized');
    expectError(await refused('POST', `/v1/payments/${authorized}/authorize`), 409, 'illegal_transition');

    const captured = await paymentIn('captured');
    for (const path of ['authorize', 'capture', 'cancel'])
      expectError(await refused('POST', `/v1/payments/${captured}/${path}`), 409, 'illegal_transition');
    expectError(
      await refused('POST', `/v1/payments/${captured}/fail`, { body: { failure_code: 'late' } }),
      409,
      'illegal_transition',
    );

    const cancelled = await paymentIn('cancelled');
    const final = await refused('POST', `/v1/payments/${cancelled}/authorize`);
    expectError(final, 409, 'illegal_transition');
    expect(final.json.message).toContain('cancelled (final)');
  });

  it('answers 409 amount_exceeded to a capture over the authorized or a refund over the refundable amount, writing nothing', async () => {
    const authorized = await paymentIn('authorized', '5000');
    const capture = await refused('POST', `/v1/payments/${authorized}/capture`, { body: { amount_minor: '5001' } });
    expectError(capture, 409, 'amount_exceeded');
    expect(capture.json.message).toBe('capture of 5001 exceeds the authorized 5000');

    expect(
      (await h.call('POST', `/v1/payments/${authorized}/capture`, { body: { amount_minor: '4000' } })).json,
    ).toMatchObject({ captured_minor: '4000' });
    expect(
      (await h.call('POST', `/v1/payments/${authorized}/refunds`, { body: { amount_minor: '3000' } })).status,
    ).toBe(201);
    const refund = await refused('POST', `/v1/payments/${authorized}/refunds`, { body: { amount_minor: '1001' } });
    expectError(refund, 409, 'amount_exceeded');
    expect(refund.json).toMatchObject({ state: 'captured', message: 'refund of 1001 exceeds the refundable 1000' });
  });

  it('answers 409 payment_exists to initiating a client-chosen id twice', async () => {
    const id = uniqueName('order');
    expect((await h.call('POST', '/v1/payments', { body: newPayment({ payment_id: id }) })).status).toBe(201);
    expectError(await refused('POST', '/v1/payments', { body: newPayment({ payment_id: id }) }), 409, 'payment_exists');
  });
});

describe('idempotency', () => {
  it('answers 400 to a write without an Idempotency-Key, or with a malformed one, writing nothing', async () => {
    expectError(
      await refused('POST', '/v1/payments', { body: newPayment(), idempotencyKey: null }),
      400,
      'idempotency_key_missing',
    );
    expectError(
      await refused('POST', '/v1/payments', { body: newPayment(), idempotencyKey: 'has space' }),
      400,
      'idempotency_key_invalid',
    );
    expectError(
      await refused('POST', '/v1/payments', { body: newPayment(), idempotencyKey: 'k'.repeat(256) }),
      400,
      'idempotency_key_invalid',
    );
  });

  it('replays the original answer, byte for byte, to the same key and body', async () => {
    const key = uniqueName('idem');
    const body = newPayment();
    const first = await h.call('POST', '/v1/payments', { body, idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // Same body with its keys in another order: the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const before = await h.snapshot();
    for (const again of [body, reordered]) {
      const replay = await h.call('POST', '/v1/payments', { body: again, idempotencyKey: key });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.text).toBe(first.text);
    }
    expect(await h.snapshot()).toEqual(before);

    // Also for a later step, and after the payment moved on.
    const id = first.json.payment_id as string;
    const authorizeKey = uniqueName('idem');
    const authorized = await h.call('POST', `/v1/payments/${id}/authorize`, { idempotencyKey: authorizeKey });
    await h.call('POST', `/v1/payments/${id}/capture`);
    const replay = await refused('POST', `/v1/payments/${id}/authorize`, { idempotencyKey: authorizeKey });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(authorized.text);
    const outbox = await h.db.query('select 1 from outbox where entity_id = $1', [id]);
    expect(outbox.rowCount).toBe(3);
  });

  it('answers 422 to the same key with another body or another payment, writing nothing', async () => {
    const key = uniqueName('idem');
    const body = newPayment();
    expect((await h.call('POST', '/v1/payments', { body, idempotencyKey: key })).status).toBe(201);
    const other = await refused('POST', '/v1/payments', {
      body: { ...body, amount_minor: '10001' },
      idempotencyKey: key,
    });
    expectError(other, 422, 'idempotency_key_reused');
    // "10000" and 10000 are the same amount, but not the same request.
    expectError(
      await refused('POST', '/v1/payments', { body: { ...body, amount_minor: 10000 }, idempotencyKey: key }),
      422,
      'idempotency_key_reused',
    );

    const [a, b] = [await paymentIn('initiated'), await paymentIn('initiated')];
    const authorizeKey = uniqueName('idem');
    expect((await h.call('POST', `/v1/payments/${a}/authorize`, { idempotencyKey: authorizeKey })).status).toBe(200);
    expectError(
      await refused('POST', `/v1/payments/${b}/authorize`, { idempotencyKey: authorizeKey }),
      422,
      'idempotency_key_reused',
    );
    expectError(
      await refused('POST', `/v1/payments/${a}/cancel`, { idempotencyKey: authorizeKey }),
      422,
      'idempotency_key_reused',
    );
  });

  it('scopes keys per API key: the same key under another API key is another request', async () => {
    const key = uniqueName('idem');
    const body = newPayment();
    const mine = await h.call('POST', '/v1/payments', { body, idempotencyKey: key });
    const theirs = await h.call('POST', '/v1/payments', { body, idempotencyKey: key, apiKey: OTHER_API_KEY });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.json.payment_id).not.toBe(mine.json.payment_id);
    const records = await h.db.query<{ api_key_id: string }>(
      'select api_key_id from idempotency_requests where idempotency_key = $1 order by api_key_id',
      [key],
    );
    expect(records.rows).toEqual([{ api_key_id: 'merchant-a' }, { api_key_id: 'merchant-b' }]);
  });

  it('answers 409 while a request with the same key is being processed, writing nothing; the retry succeeds', async () => {
    const key = uniqueName('idem');
    // Holding the key's advisory lock from another session is what an in-flight request with that key does.
    const holder = new pg.Client({ connectionString: h.schema.databaseUrl });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock($1::bigint)', [idempotencyLockKey('merchant-a', key)]);
      const busy = await refused('POST', '/v1/payments', { body: newPayment(), idempotencyKey: key });
      expectError(busy, 409, 'idempotency_key_in_use');
      // The lock is per (API key, Idempotency-Key): the other API key is not blocked by it.
      expect(
        (await h.call('POST', '/v1/payments', { body: newPayment(), idempotencyKey: key, apiKey: OTHER_API_KEY }))
          .status,
      ).toBe(201);
    } finally {
      await holder.end();
    }
    expect((await h.call('POST', '/v1/payments', { body: newPayment(), idempotencyKey: key })).status).toBe(201);
  });

  it('keeps no record of refused requests: the same key can be used again once the request is valid', async () => {
    const key = uniqueName('idem');
    const id = await paymentIn('initiated');
    expectError(
      await refused('POST', `/v1/payments/${id}/capture`, { idempotencyKey: key }),
      409,
      'illegal_transition',
    );
    await h.call('POST', `/v1/payments/${id}/authorize`);
    const retried = await h.call('POST', `/v1/payments/${id}/capture`, { idempotencyKey: key });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('logs', () => {
  it('never contain an API key, in either header, or the database password', async () => {
    await h.call('POST', '/v1/payments', { body: newPayment() });
    await h.call('GET', '/v1/payments/whatever', {
      apiKey: null,
      headers: { authorization: `Bearer ${OTHER_API_KEY}` },
    });
    await h.call('POST', '/v1/payments', { body: newPayment(), apiKey: 'sk_not_a_key_9f8e' });
    await h.call('POST', '/v1/payments', { rawBody: '{oops' });
    const text = h.logs.join('\n');
    expect(
      h.logs.some((line) => line.includes('"route":"/v1/payments"') && line.includes('"apiKeyId":"merchant-a"')),
    ).toBe(true);
    for (const secret of [API_KEY, OTHER_API_KEY, 'sk_not_a_key_9f8e', 'spr:spr@']) expect(text).not.toContain(secret);
  });
});
