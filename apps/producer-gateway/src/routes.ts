/**
 * Every route of the API as data: the HTTP server registers these and /openapi.json is built from them, with
 * the same schema objects, so the document describes exactly what is served.
 */
import {
  authorizePaymentRequest,
  cancelPaymentRequest,
  capturePaymentRequest,
  errorResponse,
  failPaymentRequest,
  healthResponse,
  initiatePaymentRequest,
  paymentCommandResponse,
  paymentIdSchema,
  paymentResponse,
  refundPaymentRequest,
} from './api-schemas.ts';
import type { JsonSchema } from './json-schema.ts';
import type { CommandKind } from './payment-commands.ts';

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: JsonSchema;
  /** Default application/json. */
  readonly contentType?: string;
}

export type RouteKind =
  | { readonly kind: 'command'; readonly command: CommandKind }
  | { readonly kind: 'read' }
  | { readonly kind: 'ops'; readonly name: 'healthz' | 'readyz' | 'metrics' | 'openapi' };

export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  /** OpenAPI form: `/v1/payments/{id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: 'payments' | 'operations';
  /** Needs an API key. */
  readonly authenticated: boolean;
  /** A write: needs an Idempotency-Key. */
  readonly idempotent: boolean;
  readonly handler: RouteKind;
  readonly pathParams?: Readonly<Record<string, JsonSchema>>;
  readonly body?: JsonSchema;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
}

const idParam = { id: paymentIdSchema };

const err = (description: string): ResponseSpec => ({ description, schema: errorResponse });

/** The error answers every authenticated write can give. */
const WRITE_ERRORS: Readonly<Record<number, ResponseSpec>> = {
  400: err(
    'invalid_request (with `fields` naming each invalid field), invalid_json, idempotency_key_missing or idempotency_key_invalid. Nothing was written.',
  ),
  401: err('unauthenticated: no API key (x-api-key or Authorization: Bearer).'),
  403: err('forbidden: the API key is not valid.'),
  409: err(
    "idempotency_key_in_use (the same key is being processed; retry later), illegal_transition (the state machine refuses the event in the payment's current state), amount_exceeded (more than the authorized or refundable amount) or payment_exists. Nothing was written.",
  ),
  413: err('body_too_large: the body is over BODY_LIMIT_BYTES.'),
  415: err('unsupported_media_type: send application/json.'),
  422: err('idempotency_key_reused: the key was used before for a different request (method, path or body).'),
  503: err('unavailable: the database did not answer; retry with the same Idempotency-Key.'),
};

const command = (
  spec: Omit<RouteSpec, 'tag' | 'authenticated' | 'idempotent' | 'method' | 'handler' | 'responses'> & {
    readonly command: CommandKind;
    readonly success: 200 | 201;
    readonly notFound: boolean;
  },
): RouteSpec => {
  const { command: kind, success, notFound, ...rest } = spec;
  const responses: Record<number, ResponseSpec> = {
    [success]: {
      description:
        'Done: the payment after the request and the event it emitted. A replay (same key and request) answers the same, with `Idempotent-Replayed: true`.',
      schema: paymentCommandResponse,
    },
    ...WRITE_ERRORS,
  };
  if (notFound) responses[404] = err('payment_not_found. Nothing was written.');
  return {
    ...rest,
    method: 'POST',
    tag: 'payments',
    authenticated: true,
    idempotent: true,
    handler: { kind: 'command', command: kind },
    responses,
  };
};

export const ROUTES: readonly RouteSpec[] = [
  command({
    path: '/v1/payments',
    operationId: 'initiatePayment',
    summary: 'Initiate a payment',
    description:
      'Emits PaymentInitiated (seq 1). The client may choose payment_id; otherwise the gateway generates a UUID.',
    command: 'initiate',
    body: initiatePaymentRequest,
    success: 201,
    notFound: false,
  }),
  command({
    path: '/v1/payments/{id}/authorize',
    operationId: 'authorizePayment',
    summary: 'Authorize the full amount',
    description: 'Emits PaymentAuthorized. Allowed when the payment is initiated.',
    command: 'authorize',
    pathParams: idParam,
    body: authorizePaymentRequest,
    success: 200,
    notFound: true,
  }),
  command({
    path: '/v1/payments/{id}/capture',
    operationId: 'capturePayment',
    summary: 'Capture all or part of the authorized amount, once',
    description: 'Emits PaymentCaptured. Allowed when the payment is authorized; the part not captured is released.',
    command: 'capture',
    pathParams: idParam,
    body: capturePaymentRequest,
    success: 200,
    notFound: true,
  }),
  command({
    path: '/v1/payments/{id}/refunds',
    operationId: 'refundPayment',
    summary: 'Refund part or the rest of the captured amount',
    description:
      'Emits PaymentRefunded. Allowed when the payment is captured; all refunds together are at most the captured amount.',
    command: 'refund',
    pathParams: idParam,
    body: refundPaymentRequest,
    success: 201,
    notFound: true,
  }),
  command({
    path: '/v1/payments/{id}/cancel',
    operationId: 'cancelPayment',
    summary: 'Cancel before capture',
    description: 'Emits PaymentCancelled. Allowed when the payment is initiated or authorized.',
    command: 'cancel',
    pathParams: idParam,
    body: cancelPaymentRequest,
    success: 200,
    notFound: true,
  }),
  command({
    path: '/v1/payments/{id}/fail',
    operationId: 'failPayment',
    summary: 'Mark the payment failed',
    description: 'Emits PaymentFailed. Allowed when the payment is initiated or authorized.',
    command: 'fail',
    pathParams: idParam,
    body: failPaymentRequest,
    success: 200,
    notFound: true,
  }),
  {
    method: 'GET',
    path: '/v1/payments/{id}',
    operationId: 'getPayment',
    summary: 'Read a payment',
    description: "The gateway's view: state, amounts (as strings of digits), the last seq and timestamps.",
    tag: 'payments',
    authenticated: true,
    idempotent: false,
    handler: { kind: 'read' },
    pathParams: idParam,
    responses: {
      200: { description: 'The payment.', schema: paymentResponse },
      400: err('invalid_request: the id is not a valid payment id.'),
      401: WRITE_ERRORS[401]!,
      403: WRITE_ERRORS[403]!,
      404: err('payment_not_found.'),
      503: WRITE_ERRORS[503]!,
    },
  },
  {
    method: 'GET',
    path: '/healthz',
    operationId: 'health',
    summary: 'Liveness',
    tag: 'operations',
    authenticated: false,
    idempotent: false,
    handler: { kind: 'ops', name: 'healthz' },
    responses: { 200: { description: 'The process serves requests.', schema: healthResponse } },
  },
  {
    method: 'GET',
    path: '/readyz',
    operationId: 'readiness',
    summary: 'Readiness: the database answers and the Kafka producer is started',
    tag: 'operations',
    authenticated: false,
    idempotent: false,
    handler: { kind: 'ops', name: 'readyz' },
    responses: {
      200: { description: 'Ready.', schema: healthResponse },
      503: { description: 'Not ready; `checks` says why.', schema: healthResponse },
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    tag: 'operations',
    authenticated: false,
    idempotent: false,
    handler: { kind: 'ops', name: 'metrics' },
    responses: { 200: { description: 'Prometheus text exposition format.', contentType: 'text/plain' } },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: "This API's OpenAPI 3.1 document",
    tag: 'operations',
    authenticated: false,
    idempotent: false,
    handler: { kind: 'ops', name: 'openapi' },
    responses: { 200: { description: 'The OpenAPI document.' } },
  },
];

/** `/v1/payments/{id}` in fastify's form, `/v1/payments/:id`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}
