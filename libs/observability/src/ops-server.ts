import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  readonly ok: boolean;
  /** Details for people (and probes' logs), e.g. `{ kafka: 'connected', partitions: 6 }`. */
  readonly details?: Record<string, unknown>;
}

export interface OpsServerOptions {
  readonly host?: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly registry: Registry;
  /** Liveness: the process is not wedged (restart it if false). */
  readonly health: () => HealthCheck | Promise<HealthCheck>;
  /** Readiness: the service does its job now (take it out of rotation if false). */
  readonly readiness: () => HealthCheck | Promise<HealthCheck>;
}

export interface OpsServer {
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/** `GET /healthz`, `GET /readyz` (200 or 503 with a JSON body) and `GET /metrics` (Prometheus text format). */
export function createOpsServer(options: OpsServerOptions): OpsServer {
  let server: Server | undefined;
  const check = async (probe: () => HealthCheck | Promise<HealthCheck>) => {
    try {
      return await probe();
    } catch (error) {
      return { ok: false, details: { error: error instanceof Error ? error.message : String(error) } };
    }
  };
  return {
    async start() {
      if (server) return { port: (server.address() as AddressInfo).port };
      server = createServer((request, response) => {
        const path = (request.url ?? '/').split('?')[0];
        const reply = async () => {
          if (request.method !== 'GET') return { status: 405, type: 'text/plain', body: 'method not allowed\n' };
          if (path === '/metrics')
            return { status: 200, type: options.registry.contentType, body: await options.registry.metrics() };
          if (path === '/healthz' || path === '/readyz') {
            const result = await check(path === '/healthz' ? options.health : options.readiness);
            return {
              status: result.ok ? 200 : 503,
              type: 'application/json',
              body: `${JSON.stringify({ status: result.ok ? 'ok' : 'unavailable', ...result.details })}\n`,
            };
          }
          return { status: 404, type: 'text/plain', body: 'not found: try /healthz, /readyz or /metrics\n' };
        };
        reply().then(
          ({ status, type, body }) => response.writeHead(status, { 'content-type': type }).end(body),
          (error: unknown) =>
            response
              .writeHead(500, { 'content-type': 'text/plain' })
              .end(`${error instanceof Error ? error.message : String(error)}\n`),
        );
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen({ host: options.host ?? '127.0.0.1', port: options.port }, () => resolve());
      });
      return { port: (listening.address() as AddressInfo).port };
    },

    async stop() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
  };
}
