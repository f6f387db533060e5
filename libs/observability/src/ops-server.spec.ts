import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics.ts';
import { createOpsServer, type OpsServer } from './ops-server.ts';

let server: OpsServer | undefined;
afterEach(async () => server?.stop());

describe('ops server', () => {
  it('serves health, readiness and metrics', async () => {
    const registry = createMetricsRegistry({ service: 'test' });
    new Counter({ name: 'spr_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    let ready = false;
    server = createOpsServer({
      port: 0,
      registry,
      health: () => ({ ok: true }),
      readiness: () => ({ ok: ready, details: { partitions: 0 } }),
    });
    const { port } = await server.start();
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);

    expect((await get('/healthz')).status).toBe(200);
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'unavailable', partitions: 0 });
    ready = true;
    expect((await get('/readyz')).status).toBe(200);
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('spr_test_total{service="test"} 3');
    expect(metrics).toContain('process_resident_memory_bytes');
    expect((await get('/nope')).status).toBe(404);
  });
});
