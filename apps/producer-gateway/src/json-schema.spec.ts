import { describe, expect, it } from 'vitest';
import {
  capturePaymentRequest,
  errorResponse,
  initiatePaymentRequest,
  NAMED_SCHEMAS,
  paymentResponse,
  refundPaymentRequest,
} from './api-schemas.ts';
import { assertSupportedSchema, orderedJson, validateJson, type JsonSchema } from './json-schema.ts';
import { ROUTES } from './routes.ts';

const initiate = {
  customer_id: 'cu-1',
  merchant_id: 'm-1',
  amount_minor: '1050',
  currency: 'EUR',
  payment_method: 'CARD',
};

describe('request validation', () => {
  it('uses only keywords the validator implements, in every schema the API publishes', () => {
    for (const schema of Object.values(NAMED_SCHEMAS)) assertSupportedSchema(schema);
    for (const route of ROUTES)
      for (const schema of Object.values(route.pathParams ?? {})) assertSupportedSchema(schema);
    expect(() => assertSupportedSchema({ type: 'string', format: 'uuid', anyOf: [] } as JsonSchema)).toThrowError(
      /'anyOf' is not supported/,
    );
  });

  it('accepts a valid initiate request, with the amount as digits or as a safe integer', () => {
    expect(validateJson(initiatePaymentRequest, initiate)).toEqual([]);
    expect(
      validateJson(initiatePaymentRequest, {
        ...initiate,
        amount_minor: 1050,
        payment_id: 'order-17.a',
        description: null,
      }),
    ).toEqual([]);
  });

  it('names every invalid field with what is wrong', () => {
    const problems = validateJson(initiatePaymentRequest, {
      merchant_id: '',
      amount_minor: -3,
      currency: 'eur',
      payment_method: 'CASH',
      description: 'x'.repeat(1001),
      tip: 1,
    });
    expect(problems).toEqual([
      { field: 'customer_id', problem: 'is required' },
      { field: 'merchant_id', problem: expect.stringContaining('must be 1 to 128') },
      { field: 'amount_minor', problem: expect.stringContaining('must be a positive integer') },
      { field: 'currency', problem: 'must be an ISO-4217 currency code in upper case, e.g. "EUR"' },
      { field: 'payment_method', problem: 'must be one of "CARD", "BANK_TRANSFER", "WALLET", "OTHER"' },
      { field: 'description', problem: 'must be at most 1000 characters' },
      { field: 'tip', problem: 'is not a field of this request' },
    ]);
  });

  it.each([10.5, '10.5', '1e3', 0, '0', -1, '-1', true, null, [], 2 ** 53 + 2, '12345678901234567890'])(
    'refuses amount_minor %j',
    (amount) => {
      expect(validateJson(refundPaymentRequest, { amount_minor: amount })).toEqual([
        { field: 'amount_minor', problem: expect.stringContaining('positive integer') },
      ]);
    },
  );

  it('refuses a body that is not an object, and allows optional fields to be absent', () => {
    expect(validateJson(capturePaymentRequest, [])).toEqual([{ field: '(body)', problem: 'must be an object' }]);
    expect(validateJson(capturePaymentRequest, 'x')).toEqual([{ field: '(body)', problem: 'must be an object' }]);
    expect(validateJson(capturePaymentRequest, {})).toEqual([]);
  });

  it('counts characters, not UTF-16 units or bytes', () => {
    const schema: JsonSchema = { type: 'string', maxLength: 2 };
    expect(validateJson(schema, '😀😀')).toEqual([]);
    expect(validateJson(schema, '😀😀😀')).toEqual([{ field: '(body)', problem: 'must be at most 2 characters' }]);
  });

  it('validates nested arrays of objects with paths', () => {
    expect(
      validateJson(errorResponse, {
        error: 'invalid_request',
        message: 'm',
        fields: [{ field: 'a', problem: 'p' }, { field: 1 }],
      }),
    ).toEqual([
      { field: 'fields[1].problem', problem: 'is required' },
      { field: 'fields[1].field', problem: 'must be a string' },
    ]);
  });
});

describe('orderedJson', () => {
  it('writes keys in the order the schema lists them, whatever order the value has', () => {
    const stored = { updated_at: 'u', state: 'initiated', payment_id: 'p', zeta: 1, alpha: 2 };
    expect(orderedJson(paymentResponse, stored)).toBe(
      '{"payment_id":"p","state":"initiated","updated_at":"u","alpha":2,"zeta":1}',
    );
    expect(orderedJson(errorResponse, { fields: [{ problem: 'p', field: 'f' }], message: 'm', error: 'e' })).toBe(
      '{"error":"e","message":"m","fields":[{"field":"f","problem":"p"}]}',
    );
  });
});
