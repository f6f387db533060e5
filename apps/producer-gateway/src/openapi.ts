import { NAMED_SCHEMAS } from './api-schemas.ts';
import type { JsonSchema } from './json-schema.ts';
import type { RouteSpec } from './routes.ts';

export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7E]{1,255}$';
export const CORRELATION_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';

const headerParameters = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: true,
    description:
      'Required on every write. The same key with the same request (method, path, body) answers the first response again; with another request, 422; while the first is still processing, 409. Scoped to the API key.',
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN },
  },
  CorrelationId: {
    name: 'X-Correlation-Id',
    in: 'header',
    required: false,
    description:
      "Carried into the event's correlation_id; a new UUID when absent or malformed. Echoed in the response.",
    schema: { type: 'string', pattern: CORRELATION_ID_PATTERN },
  },
  Traceparent: {
    name: 'traceparent',
    in: 'header',
    required: false,
    description:
      "W3C Trace Context, carried into the Kafka message's traceparent header; generated when absent or malformed.",
    schema: { type: 'string' },
  },
} as const;

/** The OpenAPI 3.1 document of `routes`, with their own schema objects (named ones referenced by $ref). */
export function buildOpenApiDocument(
  routes: readonly RouteSpec[],
  info: { readonly version: string },
): Record<string, unknown> {
  const names = new Map<JsonSchema, string>(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [schema, name]));
  const ref = (schema: JsonSchema): JsonSchema | { $ref: string } => {
    const name = names.get(schema);
    return name ? { $ref: `#/components/schemas/${name}` } : schema;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = Object.entries(route.pathParams ?? {}).map(([name, schema]) => ({
      name,
      in: 'path',
      required: true,
      schema,
    }));
    if (route.idempotent)
      parameters.push(
        { $ref: '#/components/parameters/IdempotencyKey' },
        { $ref: '#/components/parameters/CorrelationId' },
        { $ref: '#/components/parameters/Traceparent' },
      );
    const responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, response]) => [
        status,
        {
          description: response.description,
          ...(route.idempotent &&
            Number(status) < 300 && {
              headers: {
                'Idempotent-Replayed': {
                  description: '`true` when this is the stored answer to an earlier request with the same key.',
                  schema: { type: 'string', enum: ['true'] },
                },
              },
            }),
          ...(response.schema
            ? { content: { [response.contentType ?? 'application/json']: { schema: ref(response.schema) } } }
            : response.contentType && { content: { [response.contentType]: { schema: { type: 'string' } } } }),
        },
      ]),
    );
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description && { description: route.description }),
      tags: [route.tag],
      security: route.authenticated ? [{ ApiKey: [] }, { Bearer: [] }] : [],
      ...(parameters.length > 0 && { parameters }),
      ...(route.body && {
        requestBody: {
          required: route.body.required !== undefined && route.body.required.length > 0,
          content: { 'application/json': { schema: ref(route.body) } },
        },
      }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'SPR producer gateway: payments',
      version: info.version,
      description:
        'The payment lifecycle over HTTP. Each write validates the event against the payment state machine, stores the new state, the event\'s per-payment seq and an outbox row in one PostgreSQL transaction; the outbox relay publishes the event to Kafka (key payment:<id>, Avro through the schema registry). Amounts are integer minor units, as strings of digits. Errors: `{ "error": <code>, "message": ..., "fields"?: [...] }`.',
    },
    tags: [
      { name: 'payments', description: 'The payment lifecycle (API key required; writes need an Idempotency-Key).' },
      { name: 'operations', description: 'Health, readiness, metrics and this document (no API key).' },
    ],
    paths,
    components: {
      schemas: NAMED_SCHEMAS,
      parameters: headerParameters,
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        Bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token.' },
      },
    },
  };
}
