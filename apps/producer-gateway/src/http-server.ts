import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@spr/observability';
import { isValidTraceparent, newTraceparent } from '@spr/routing';
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { createApiKeyVerifier, type ApiKeyEntry } from './api-keys.ts';
import { errorResponse, healthResponse, paymentCommandResponse, paymentResponse } from './api-schemas.ts';
import { orderedJson, validateJson, type FieldProblem, type JsonSchema } from './json-schema.ts';
import { buildOpenApiDocument, CORRELATION_ID_PATTERN, IDEMPOTENCY_KEY_PATTERN } from './openapi.ts';
import { parseCommand, type CommandKind } from './payment-commands.ts';
import { isRetriableStoreError, type ErrorBody, type PaymentStore } from './payment-store.ts';
import { paymentView } from './payment-view.ts';
import { requestHash } from './request-hash.ts';
import { fastifyPath, ROUTES, type RouteSpec } from './routes.ts';

export interface Readiness {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, unknown>>;
}

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly bodyLimitBytes: number;
  readonly apiKeys: readonly ApiKeyEntry[];
  readonly store: PaymentStore;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly readiness: () => Promise<Readiness>;
  readonly version: string;
}

export interface HttpServer {
  start(): Promise<{ readonly port: number }>;
  /** Stops accepting connections and waits for the requests in flight. Idempotent. */
  stop(): Promise<void>;
}

/** What the hooks learn about a request before its handler runs. */
interface RequestContext {
  apiKeyId?: string;
  correlationId: string;
  traceparent: string;
  idempotencyKey?: string;
}

const IDEMPOTENCY_KEY = new RegExp(IDEMPOTENCY_KEY_PATTERN);
const CORRELATION_ID = new RegExp(CORRELATION_ID_PATTERN);

/** The fastify errors a client causes, as API errors. */
const CLIENT_ERRORS: Readonly<Record<string, { status: number; error: ErrorBody['error']; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    error: 'body_too_large',
    message: 'the request body is larger than the gateway accepts',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    error: 'unsupported_media_type',
    message: 'send the body as application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, error: 'invalid_json', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    error: 'invalid_json',
    message: 'the body is empty but its content-type says application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    error: 'invalid_json',
    message: 'the body length differs from its Content-Length',
  },
};

/** The gateway's HTTP API on fastify: routes from ROUTES, errors as `{ error, message, fields? }`. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { store, logger } = options;
  const log = logger.child({ component: 'http' });
  const verify = createApiKeyVerifier(options.apiKeys);
  const openapi = JSON.stringify(buildOpenApiDocument(ROUTES, { version: options.version }));
  const contexts = new WeakMap<FastifyRequest, RequestContext>();
  const metrics = httpMetrics(options.metrics);

  const app = Fastify({
    loggerInstance: log,
    // Requests are logged once, by the onResponse hook below, without headers (they carry the API key).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    return503OnClosing: true,
  });
  // Only JSON bodies: anything else is refused with 415 instead of reaching a handler as a string.
  app.removeContentTypeParser('text/plain');

  const sendJson = (reply: FastifyReply, status: number, schema: JsonSchema, body: unknown) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(orderedJson(schema, body));
  const sendError = (reply: FastifyReply, status: number, body: ErrorBody) =>
    sendJson(reply, status, errorResponse, body);
  const invalid = (fields: readonly FieldProblem[]): ErrorBody => ({
    error: 'invalid_request',
    message: `invalid request: ${fields.map((f) => `${f.field} ${f.problem}`).join('; ')}`,
    fields,
  });

  app.addHook('onRequest', async (request, reply) => {
    const header = single(request.headers['x-correlation-id']);
    const traceparent = single(request.headers.traceparent);
    const context: RequestContext = {
      correlationId: header && CORRELATION_ID.test(header) ? header : randomUUID(),
      traceparent: traceparent && isValidTraceparent(traceparent) ? traceparent : newTraceparent(),
    };
    contexts.set(request, context);
    reply.header('x-correlation-id', context.correlationId);
  });

  // While stopping, answers close their connection: a keep-alive connection that was busy when stop() began would
  // otherwise hold the server open until its keep-alive timeout.
  let closing = false;
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    metrics.requests.inc({ method: request.method, route, status });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    const context = contexts.get(request);
    const line = {
      reqId: request.id,
      method: request.method,
      route,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      apiKeyId: context?.apiKeyId,
      correlationId: context?.correlationId,
    };
    if (route === '/healthz' || route === '/readyz' || route === '/metrics') log.debug(line, 'request');
    else log.info(line, 'request');
  });

  /** 401/403 before anything else; then the Idempotency-Key of a write. Runs before the body is read. */
  const guard = (spec: RouteSpec) => async (request: FastifyRequest, reply: FastifyReply) => {
    const context = contexts.get(request)!;
    const check = verify(request.headers);
    if (!check.ok) {
      return check.reason === 'MISSING'
        ? sendError(reply, 401, {
            error: 'unauthenticated',
            message: 'no API key: send it as x-api-key or Authorization: Bearer',
          })
        : sendError(reply, 403, { error: 'forbidden', message: 'the API key is not valid' });
    }
    context.apiKeyId = check.keyId;
    if (!spec.idempotent) return;
    const key = single(request.headers['idempotency-key']);
    if (key === undefined || key === '') {
      return sendError(reply, 400, {
        error: 'idempotency_key_missing',
        message: 'every write needs an Idempotency-Key header (e.g. a UUID the client keeps for retries)',
      });
    }
    if (!IDEMPOTENCY_KEY.test(key)) {
      return sendError(reply, 400, {
        error: 'idempotency_key_invalid',
        message: 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces',
      });
    }
    context.idempotencyKey = key;
  };

  const paramProblems = (spec: RouteSpec, params: unknown): FieldProblem[] => {
    if (!spec.pathParams) return [];
    return validateJson(
      { type: 'object', properties: spec.pathParams, required: Object.keys(spec.pathParams) },
      params,
    );
  };

  const commandHandler =
    (spec: RouteSpec, kind: CommandKind) => async (request: FastifyRequest, reply: FastifyReply) => {
      const context = contexts.get(request)!;
      const apiKeyId = context.apiKeyId!;
      const params = request.params as Record<string, string>;
      const body = request.body === undefined ? {} : request.body;
      const fields = [...paramProblems(spec, params), ...validateJson(spec.body!, body)];
      if (fields.length > 0) return sendError(reply, 400, invalid(fields));
      const fromBody = (body as Record<string, unknown>).payment_id;
      const paymentId = params.id ?? (typeof fromBody === 'string' ? fromBody : randomUUID());
      const parsed = parseCommand(kind, body as Record<string, unknown>, { paymentId, apiKeyId });
      if (!parsed.ok) return sendError(reply, 400, invalid(parsed.fields));

      const outcome = await store.write({
        apiKeyId,
        idempotencyKey: context.idempotencyKey!,
        requestHash: requestHash({ method: spec.method, route: spec.path, params, body }),
        command: parsed.command,
        correlationId: context.correlationId,
        traceparent: context.traceparent,
      });
      switch (outcome.kind) {
        case 'completed':
          return sendJson(reply, outcome.status, paymentCommandResponse, outcome.body);
        case 'replayed':
          reply.header('idempotent-replayed', 'true');
          return sendJson(
            reply,
            outcome.status,
            outcome.status < 400 ? paymentCommandResponse : errorResponse,
            outcome.body,
          );
        case 'refused':
          return sendError(reply, outcome.status, outcome.body);
        case 'key_in_use':
          return sendError(reply, 409, {
            error: 'idempotency_key_in_use',
            message: 'a request with this Idempotency-Key is being processed; retry it shortly',
          });
        case 'key_reused':
          return sendError(reply, 422, {
            error: 'idempotency_key_reused',
            message: 'this Idempotency-Key was used for a different request (method, path or body); use a new key',
          });
      }
    };

  const readHandler = (spec: RouteSpec) => async (request: FastifyRequest, reply: FastifyReply) => {
    const params = request.params as Record<string, string>;
    const fields = paramProblems(spec, params);
    if (fields.length > 0) return sendError(reply, 400, invalid(fields));
    const payment = await store.read(params.id!);
    if (!payment)
      return sendError(reply, 404, { error: 'payment_not_found', message: `payment ${params.id} does not exist` });
    return sendJson(reply, 200, paymentResponse, paymentView(payment));
  };

  const opsHandler =
    (name: 'healthz' | 'readyz' | 'metrics' | 'openapi') => async (_request: FastifyRequest, reply: FastifyReply) => {
      switch (name) {
        case 'healthz':
          return sendJson(reply, 200, healthResponse, { status: 'ok' });
        case 'readyz': {
          const ready = await options.readiness();
          return sendJson(reply, ready.ok ? 200 : 503, healthResponse, {
            status: ready.ok ? 'ok' : 'unavailable',
            checks: ready.checks,
          });
        }
        case 'metrics':
          return reply
            .code(200)
            .header('content-type', options.metrics.contentType)
            .send(await options.metrics.metrics());
        case 'openapi':
          return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(openapi);
      }
    };

  for (const spec of ROUTES) {
    const handler =
      spec.handler.kind === 'command'
        ? commandHandler(spec, spec.handler.command)
        : spec.handler.kind === 'read'
          ? readHandler(spec)
          : opsHandler(spec.handler.name);
    app.route({
      method: spec.method,
      url: fastifyPath(spec.path),
      ...(spec.authenticated && { onRequest: guard(spec) }),
      handler,
    });
  }

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, {
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`,
    }),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = error.code ? CLIENT_ERRORS[error.code] : undefined;
    if (known) return sendError(reply, known.status, { error: known.error, message: known.message });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode === 413 ? 413 : 400, {
        error: 'invalid_request',
        message: error.message,
      });
    }
    if (isRetriableStoreError(error)) {
      request.log.warn({ err: error, reqId: request.id }, 'request failed on a transient error');
      reply.header('retry-after', '1');
      return sendError(reply, 503, {
        error: 'unavailable',
        message: 'the database did not answer; retry with the same Idempotency-Key',
      });
    }
    request.log.error({ err: error, reqId: request.id }, 'request failed');
    return sendError(reply, 500, {
      error: 'internal_error',
      message: `the request failed unexpectedly (request id ${request.id}); nothing or all of it was written, retry with the same Idempotency-Key`,
    });
  });

  let state: 'new' | 'listening' | 'stopped' = 'new';
  return {
    async start() {
      if (state === 'new') {
        await app.listen({ host: options.host, port: options.port });
        state = 'listening';
      }
      return { port: (app.server.address() as AddressInfo).port };
    },

    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      closing = true;
      await app.close();
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function httpMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'spr_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'spr_http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
