/**
 * The JSON Schemas of the HTTP API: what each request body may hold and what each response holds. Routes
 * validate with these objects and /openapi.json publishes them, so the two cannot disagree.
 */
import { PAYMENT_STATES } from '@spr/payments-domain';
import { AMOUNT_PROBLEM } from './amount.ts';
import type { JsonSchema } from './json-schema.ts';

const PAYMENT_METHODS = ['CARD', 'BANK_TRANSFER', 'WALLET', 'OTHER'] as const;

export const paymentIdSchema: JsonSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
  description:
    'Id of the payment: up to 128 letters, digits, ".", "_" or "-", starting with a letter or digit. A UUID unless the client chose one.',
  'x-problem': 'must be 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit',
  examples: ['6f1c2a9e-3b7d-4f0e-9a51-2c8d7e4b1a90'],
};

const partyIdSchema = (what: string): JsonSchema => ({
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$',
  description: `Id of the ${what}: up to 128 letters, digits, ".", "_", ":", "@" or "-".`,
  'x-problem': 'must be 1 to 128 letters, digits, ".", "_", ":", "@" or "-", starting with a letter or digit',
});

export const amountMinorSchema: JsonSchema = {
  description:
    'Amount in minor units of the currency (cents for EUR), positive. Send it as a string of digits; a JSON integer is accepted up to 2^53-1, beyond which JSON numbers lose precision. Never a fraction.',
  oneOf: [
    { type: 'string', pattern: '^[1-9][0-9]*$', maxLength: 19 },
    { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  ],
  'x-problem': AMOUNT_PROBLEM,
  examples: ['1050'],
};

const currencySchema: JsonSchema = {
  type: 'string',
  pattern: '^[A-Z]{3}$',
  description: 'ISO-4217 alphabetic code in upper case; it sets the minor unit of the amounts.',
  'x-problem': 'must be an ISO-4217 currency code in upper case, e.g. "EUR"',
  examples: ['EUR'],
};

const optionalText = (maxLength: number, description: string): JsonSchema => ({
  type: ['string', 'null'],
  minLength: 1,
  maxLength,
  description,
});

const object = (
  properties: Record<string, JsonSchema>,
  required: readonly string[],
  description: string,
  title: string,
): JsonSchema => ({
  title,
  description,
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

export const initiatePaymentRequest = object(
  {
    payment_id: paymentIdSchema,
    customer_id: partyIdSchema('paying customer'),
    merchant_id: partyIdSchema('merchant that is paid'),
    amount_minor: amountMinorSchema,
    currency: currencySchema,
    payment_method: { type: 'string', enum: PAYMENT_METHODS, description: 'How the customer pays.' },
    description: optionalText(1000, 'Free text the merchant attaches to the payment, e.g. an order number.'),
  },
  ['customer_id', 'merchant_id', 'amount_minor', 'currency', 'payment_method'],
  'Starts a payment (PaymentInitiated, seq 1). Without payment_id the gateway generates a UUID.',
  'InitiatePaymentRequest',
);

export const authorizePaymentRequest = object(
  {
    authorization_code: {
      type: 'string',
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description: "The issuer's authorization code; generated when absent.",
      'x-problem': 'must be 1 to 64 letters, digits, ".", "_" or "-"',
    },
  },
  [],
  'Authorizes the full amount of an initiated payment (PaymentAuthorized).',
  'AuthorizePaymentRequest',
);

export const capturePaymentRequest = object(
  {
    amount_minor: {
      ...amountMinorSchema,
      description: `Amount to capture, at most the authorized amount; default: all of it. ${amountMinorSchema.description}`,
    },
    acquirer_reference: optionalText(128, "The acquirer's reference for the capture, if it returned one."),
  },
  [],
  'Captures an authorized payment, fully or partly, once (PaymentCaptured). What is not captured is released.',
  'CapturePaymentRequest',
);

export const refundPaymentRequest = object(
  {
    amount_minor: {
      ...amountMinorSchema,
      description: `Amount of this refund alone; all refunds together at most the captured amount. ${amountMinorSchema.description}`,
    },
    reason: optionalText(500, 'Why the money is returned.'),
  },
  ['amount_minor'],
  'Refunds part or the rest of a captured payment (PaymentRefunded); the payment is refunded once refunds reach the captured amount.',
  'RefundPaymentRequest',
);

export const cancelPaymentRequest = object(
  {
    reason: optionalText(500, 'Why the payment is cancelled.'),
    cancelled_by: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$',
      description: 'Who cancels (a user id, or "system"); default: "api-key:<the calling key id>".',
      'x-problem': 'must be 1 to 128 letters, digits, ".", "_", ":", "@" or "-", starting with a letter or digit',
    },
  },
  [],
  'Cancels an initiated or authorized payment (PaymentCancelled); any authorization is released.',
  'CancelPaymentRequest',
);

export const failPaymentRequest = object(
  {
    failure_code: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]{0,63}$',
      description: 'Machine-readable reason in snake_case, e.g. "card_declined".',
      'x-problem': 'must be snake_case: a lower-case letter, then up to 63 lower-case letters, digits or "_"',
    },
    failure_message: optionalText(1000, 'Detail for operators.'),
  },
  ['failure_code'],
  'Marks an initiated or authorized payment as failed for good (PaymentFailed).',
  'FailPaymentRequest',
);

const int64String = (description: string): JsonSchema => ({
  type: 'string',
  pattern: '^(0|[1-9][0-9]*)$',
  description,
});
const timestamp = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });

const paymentProperties: Record<string, JsonSchema> = {
  payment_id: paymentIdSchema,
  state: {
    type: 'string',
    enum: PAYMENT_STATES,
    description: 'Where the payment is in its lifecycle; refunded, failed and cancelled are final.',
  },
  customer_id: { type: 'string' },
  merchant_id: { type: 'string' },
  currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  amount_minor: int64String('The initiated (and, once authorized, authorized) amount, in minor units.'),
  captured_minor: int64String('Captured so far, in minor units.'),
  refunded_minor: int64String('Refunded so far, all refunds together, in minor units.'),
  refundable_minor: int64String('What can still be refunded: captured minus refunded.'),
  last_seq: int64String("The seq of the payment's latest event; its next event gets last_seq + 1."),
  created_at: timestamp('When the payment was initiated.'),
  updated_at: timestamp('When its latest event happened.'),
};

export const paymentResponse: JsonSchema = {
  title: 'Payment',
  description: "The gateway's view of a payment (the command side; the ledger is built from the events).",
  type: 'object',
  properties: paymentProperties,
  required: Object.keys(paymentProperties),
  additionalProperties: false,
};

export const emittedEventSchema: JsonSchema = {
  title: 'EmittedEvent',
  description: 'The event this request wrote to the outbox; the relay publishes it to Kafka shortly after.',
  type: 'object',
  properties: {
    event_id: { type: 'string', format: 'uuid' },
    event_type: {
      type: 'string',
      enum: [
        'PaymentInitiated',
        'PaymentAuthorized',
        'PaymentCaptured',
        'PaymentRefunded',
        'PaymentFailed',
        'PaymentCancelled',
      ],
    },
    seq: int64String("The event's place in the payment's sequence."),
    refund_id: { type: 'string', format: 'uuid', description: 'For a refund: its id.' },
  },
  required: ['event_id', 'event_type', 'seq'],
  additionalProperties: false,
};

export const paymentCommandResponse: JsonSchema = {
  title: 'PaymentCommandResult',
  description: 'The payment after the request, and the event the request emitted.',
  type: 'object',
  properties: { ...paymentProperties, event: emittedEventSchema },
  required: [...Object.keys(paymentProperties), 'event'],
  additionalProperties: false,
};

/** Machine-readable error codes; `message` says the same for people. */
export const ERROR_CODES = [
  'invalid_request',
  'invalid_json',
  'unsupported_media_type',
  'body_too_large',
  'idempotency_key_missing',
  'idempotency_key_invalid',
  'idempotency_key_in_use',
  'idempotency_key_reused',
  'unauthenticated',
  'forbidden',
  'not_found',
  'payment_not_found',
  'payment_exists',
  'illegal_transition',
  'amount_exceeded',
  'unavailable',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorResponse: JsonSchema = {
  title: 'Error',
  description: 'Every error answer: a code for programs, a message for people, and what exactly is wrong.',
  type: 'object',
  properties: {
    error: { type: 'string', enum: ERROR_CODES },
    message: { type: 'string' },
    fields: {
      type: 'array',
      description: 'For invalid_request: each invalid field and what is wrong with it.',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, problem: { type: 'string' } },
        required: ['field', 'problem'],
        additionalProperties: false,
      },
    },
    state: {
      type: 'string',
      enum: PAYMENT_STATES,
      description: "For illegal_transition and amount_exceeded: the payment's current state.",
    },
  },
  required: ['error', 'message'],
  additionalProperties: false,
};

export const healthResponse: JsonSchema = {
  title: 'Health',
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    checks: { type: 'object', description: 'Each check and its result.' },
  },
  required: ['status'],
};

/** Schemas published under components/schemas, by name. */
export const NAMED_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  InitiatePaymentRequest: initiatePaymentRequest,
  AuthorizePaymentRequest: authorizePaymentRequest,
  CapturePaymentRequest: capturePaymentRequest,
  RefundPaymentRequest: refundPaymentRequest,
  CancelPaymentRequest: cancelPaymentRequest,
  FailPaymentRequest: failPaymentRequest,
  Payment: paymentResponse,
  PaymentCommandResult: paymentCommandResponse,
  EmittedEvent: emittedEventSchema,
  Error: errorResponse,
  Health: healthResponse,
};
