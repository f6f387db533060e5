/** The gateway end to end: HTTP in, PostgreSQL state and outbox, the relay, and the events on Kafka. */
import { EVENT_HEADERS, newTraceparent, partitionFor } from '@spr/routing';
import { silentLogger } from '@spr/observability';
import { createTestTopic, testStack, uniqueName, waitFor } from '@spr/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse, healthResponse, paymentCommandResponse, paymentResponse } from './api-schemas.ts';
import { hashApiKey } from './api-keys.ts';
import { gatewayConfigFromEnv } from './config.ts';
import { createGateway } from './gateway.ts';
import { validateJson } from './json-schema.ts';
import { ROUTES } from './routes.ts';
import {
  API_KEY,
  readTopic,
  startGatewayHarness,
  type GatewayHarness,
  type TopicReader,
} from './test-support/gateway-harness.ts';

let h: GatewayHarness;
let reader: TopicReader;

beforeAll(async () => {
  h = await startGatewayHarness();
  reader = await readTopic(h.kafka, h.topic);
});
afterAll(async () => {
  await reader?.close();
  await h?.close();
});

const newPayment = (over: Record<string, unknown> = {}) => ({
  customer_id: uniqueName('cust'),
  merchant_id: 'merchant-1',
  amount_minor: '10000',
  currency: 'EUR',
  payment_method: 'CARD',
  description: 'order 4711',
  ...over,
});

describe('the payment lifecycle', () => {
  it('initiates, authorizes, captures, refunds in part and then the rest; every event reaches Kafka in seq order', async () => {
    const correlationId = uniqueName('corr');
    const traceparent = newTraceparent();
    const tracing = { 'x-correlation-id': correlationId, traceparent };

    const initiated = await h.call('POST', '/v1/payments', { body: newPayment(), headers: tracing });
    expect(initiated.status).toBe(201);
    expect(validateJson(paymentCommandResponse, initiated.json)).toEqual([]);
    expect(initiated.headers.get('x-correlation-id')).toBe(correlationId);
    const id: string = initiated.json.payment_id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(initiated.json).toMatchObject({
      state: 'initiated',
      amount_minor: '10000',
      last_seq: '1',
      event: { event_type: 'PaymentInitiated', seq: '1' },
    });

    const steps: Array<{
      path: string;
      body?: unknown;
      status: number;
      state: string;
      seq: string;
      type: string;
      extra?: Record<string, string>;
    }> = [
      {
        path: `/v1/payments/${id}/authorize`,
        body: { authorization_code: 'A-77' },
        status: 200,
        state: 'authorized',
        seq: '2',
        type: 'PaymentAuthorized',
      },
      {
        path: `/v1/payments/${id}/capture`,
        status: 200,
        state: 'captured',
        seq: '3',
        type: 'PaymentCaptured',
        extra: { captured_minor: '10000', refundable_minor: '10000' },
      },
      {
        path: `/v1/payments/${id}/refunds`,
        body: { amount_minor: 2500, reason: 'damaged' },
        status: 201,
        state: 'captured',
        seq: '4',
        type: 'PaymentRefunded',
        extra: { refunded_minor: '2500', refundable_minor: '7500' },
      },
      {
        path: `/v1/payments/${id}/refunds`,
        body: { amount_minor: '7500' },
        status: 201,
        state: 'refunded',
        seq: '5',
        type: 'PaymentRefunded',
        extra: { refunded_minor: '10000', refundable_minor: '0' },
      },
    ];
    const eventIds = [initiated.json.event.event_id as string];
    for (const step of steps) {
      // One step authenticates with a bearer token instead of x-api-key.
      const auth =
        step.seq === '3'
          ? { apiKey: null, headers: { ...tracing, authorization: `Bearer ${API_KEY}` } }
          : { headers: tracing };
      const response = await h.call('POST', step.path, {
        ...(step.body !== undefined && { body: step.body }),
        ...auth,
      });
      expect(response.status, response.text).toBe(step.status);
      expect(validateJson(paymentCommandResponse, response.json)).toEqual([]);
      expect(response.json).toMatchObject({
        state: step.state,
        last_seq: step.seq,
        event: { event_type: step.type, seq: step.seq },
        ...step.extra,
      });
      eventIds.push(response.json.event.event_id);

      const read = await h.call('GET', `/v1/payments/${id}`);
      expect(read.status).toBe(200);
      expect(validateJson(paymentResponse, read.json)).toEqual([]);
      const { event: _event, ...view } = response.json;
      expect(read.json).toEqual(view);
    }
    const refunds = await h.db.query<{ refund_id: string }>(
      `select payload->>'refund_id' as refund_id from outbox where entity_id = $1 and event_type = 'PaymentRefunded'`,
      [id],
    );
    expect(new Set(refunds.rows.map((r) => r.refund_id)).size).toBe(2);

    const events = await reader.eventsOf(id, 5);
    expect(events).toHaveLength(5);
    const key = `payment:${id}`;
    for (const [i, e] of events.entries()) {
      expect(e.key).toBe(key);
      expect(e.partition).toBe(partitionFor(key, 6));
      expect(e.event.payload.seq).toBe(BigInt(i + 1));
      expect(e.event.payload.event_id).toBe(eventIds[i]);
      expect(e.event.payload.correlation_id).toBe(correlationId);
      expect(e.event.payload.causation_id).toBeNull();
      expect(e.headers[EVENT_HEADERS.seq]).toBe(String(i + 1));
      expect(e.headers[EVENT_HEADERS.eventId]).toBe(eventIds[i]);
      expect(e.headers[EVENT_HEADERS.eventType]).toBe(e.event.type);
      expect(e.headers[EVENT_HEADERS.correlationId]).toBe(correlationId);
      expect(e.headers[EVENT_HEADERS.traceparent]).toBe(traceparent);
    }
    expect(events.map((e) => e.event.type)).toEqual([
      'PaymentInitiated',
      'PaymentAuthorized',
      'PaymentCaptured',
      'PaymentRefunded',
      'PaymentRefunded',
    ]);
    expect(events[0]!.event).toMatchObject({
      payload: { amount_minor: 10_000n, currency: 'EUR', payment_method: 'CARD', description: 'order 4711' },
    });
    expect(events[1]!.event).toMatchObject({ payload: { authorization_code: 'A-77', amount_minor: 10_000n } });
    expect(events[3]!.event).toMatchObject({ payload: { amount_minor: 2_500n, reason: 'damaged' } });

    const outbox = await h.db.query<{ seq: string; published: boolean }>(
      'select seq::text, published_at is not null as published from outbox where entity_id = $1 order by outbox.seq',
      [id],
    );
    expect(outbox.rows).toEqual(['1', '2', '3', '4', '5'].map((seq) => ({ seq, published: true })));
  });

  it('takes a client-chosen payment id and amounts beyond 2^53 as strings, exactly', async () => {
    const id = uniqueName('order');
    const amount = '9007199254740993';
    const initiated = await h.call('POST', '/v1/payments', {
      body: newPayment({ payment_id: id, amount_minor: amount, currency: 'JPY', payment_method: 'WALLET' }),
    });
    expect(initiated.status).toBe(201);
    expect(initiated.json).toMatchObject({ payment_id: id, amount_minor: amount, currency: 'JPY' });
    const [event] = await reader.eventsOf(id, 1);
    expect(event!.event.payload).toMatchObject({ amount_minor: 9_007_199_254_740_993n });
  });

  it('cancels and fails payments; a cancelled payment takes no further event', async () => {
    const a = (await h.call('POST', '/v1/payments', { body: newPayment() })).json.payment_id as string;
    await h.call('POST', `/v1/payments/${a}/authorize`);
    const cancelled = await h.call('POST', `/v1/payments/${a}/cancel`, {
      body: { reason: 'customer changed their mind' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ state: 'cancelled', last_seq: '3' });

    const b = (await h.call('POST', '/v1/payments', { body: newPayment() })).json.payment_id as string;
    const failed = await h.call('POST', `/v1/payments/${b}/fail`, {
      body: { failure_code: 'card_declined', failure_message: 'issuer said no' },
    });
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ state: 'failed', last_seq: '2' });

    const [, , cancel] = await reader.eventsOf(a, 3);
    expect(cancel!.event).toMatchObject({
      type: 'PaymentCancelled',
      payload: { cancelled_by: 'api-key:merchant-a', reason: 'customer changed their mind' },
    });
    const [, fail] = await reader.eventsOf(b, 2);
    expect(fail!.event).toMatchObject({
      type: 'PaymentFailed',
      payload: { failure_code: 'card_declined', failure_message: 'issuer said no' },
    });
  });

  it('publishes shortly after commit: the relay is woken by the commit, not by its poll', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await h.call('POST', '/v1/payments', { body: newPayment() });
      const answeredAt = Date.now();
      const [event] = await reader.eventsOf(response.json.payment_id, 1);
      samples.push(event!.receivedAt - answeredAt);
    }
    const published = await h.db.query<{ ms: number }>(
      `select extract(epoch from (published_at - created_at)) * 1000 as ms from outbox where published_at is not null order by id desc limit 20`,
    );
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const stored = sorted(published.rows.map((r) => Number(r.ms)));
    const seen = sorted(samples);
    process.stdout.write(
      `[relay latency] outbox write -> Kafka ack, stamped by the relay: p50 ${stored[10]!.toFixed(1)} ms, max ${stored.at(-1)!.toFixed(1)} ms; ` +
        `HTTP answer -> consumer received: p50 ${seen[10]} ms, max ${seen.at(-1)} ms (20 payments, one at a time)\n`,
    );
    expect(published.rows).toHaveLength(20);
  });
});

describe('the operations endpoints', () => {
  it('serves /openapi.json, /healthz, /readyz and /metrics without an API key', async () => {
    const openapi = await h.call('GET', '/openapi.json', { apiKey: null });
    expect(openapi.status).toBe(200);
    expect(openapi.json.openapi).toBe('3.1.0');
    for (const route of ROUTES)
      expect(openapi.json.paths[route.path][route.method.toLowerCase()].operationId).toBe(route.operationId);
    expect(openapi.json.components.schemas.Payment).toEqual(JSON.parse(JSON.stringify(paymentResponse)));

    const health = await h.call('GET', '/healthz', { apiKey: null });
    expect(health.status).toBe(200);
    expect(validateJson(healthResponse, health.json)).toEqual([]);

    const ready = await h.call('GET', '/readyz', { apiKey: null });
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ok', checks: { database: 'ok', producer: 'started', relay: 'active' } });

    await h.call('POST', '/v1/payments', { body: newPayment() });
    const metrics = await waitFor(
      async () => {
        const text = (await h.call('GET', '/metrics', { apiKey: null })).text;
        return /spr_outbox_backlog\{service="producer-gateway"\} 0/.test(text) && text;
      },
      { what: 'an empty backlog in /metrics' },
    );
    expect(metrics).toMatch(/spr_outbox_published_total\{service="producer-gateway"\} [1-9]/);
    expect(metrics).toMatch(/spr_outbox_publish_latency_seconds_count\{service="producer-gateway"\} [1-9]/);
    expect(metrics).toMatch(/spr_outbox_relay_leader\{service="producer-gateway"\} 1/);
    expect(metrics).toMatch(
      /spr_http_requests_total\{method="POST",route="\/v1\/payments",status="201",service="producer-gateway"\} [1-9]/,
    );
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await h.call('GET', '/v2/nothing');
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ error: 'not_found' });
    expect(validateJson(errorResponse, response.json)).toEqual([]);
  });
});

describe('starting', () => {
  it('refuses to start on a topic whose partition count is not PAYMENTS_PARTITIONS, and cleans up', async () => {
    const stack = testStack();
    const admin = h.kafka.admin();
    await admin.connect();
    const topic = await createTestTopic(admin, { prefix: 'gateway_four', partitions: 4 });
    try {
      const config = gatewayConfigFromEnv({
        DATABASE_URL: h.schema.databaseUrl,
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        PAYMENTS_TOPIC: topic,
        GATEWAY_API_KEYS: `k:${hashApiKey('k')}`,
        PORT: '0',
      });
      const gateway = createGateway(config, { logger: silentLogger() });
      await expect(gateway.start()).rejects.toMatchObject({
        code: 'PARTITION_COUNT_CHANGED',
        message: expect.stringContaining(`topic '${topic}' has 4 partitions but the producer is configured for 6`),
      });
      await gateway.stop();
      await expect(gateway.start()).rejects.toMatchObject({ code: 'STOPPED' });
    } finally {
      await admin.deleteTopics({ topics: [topic] }).finally(() => admin.disconnect());
    }
  });
});

describe('stopping', () => {
  it('waits for the request in flight, publishes its event, then stops the producer and the pool', async () => {
    const own = await startGatewayHarness();
    const ownReader = await readTopic(own.kafka, own.topic);
    try {
      const id = (await own.call('POST', '/v1/payments', { body: newPayment() })).json.payment_id as string;
      await own.call('POST', `/v1/payments/${id}/authorize`);
      // Another session holds the payment's row lock, so the capture below waits inside its transaction.
      const blocker = new pg.Client({ connectionString: own.schema.databaseUrl });
      await blocker.connect();
      await blocker.query('begin');
      await blocker.query('select 1 from gateway_payments where payment_id = $1 for update', [id]);
      const capture = own.call('POST', `/v1/payments/${id}/capture`);
      await waitFor(
        async () =>
          (
            await own.db.query(
              `select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%gateway_payments%for update%'`,
            )
          ).rowCount! > 0,
        {
          what: 'the capture to wait for the row lock',
        },
      );
      let stopped = false;
      const stopping = own.gateway.stop().then(() => {
        stopped = true;
      });
      // The server takes no new connection, but stop() waits for the capture still in flight.
      await waitFor(
        () =>
          fetch(`${own.baseUrl}/healthz`).then(
            () => false,
            () => true,
          ),
        { what: 'the server to refuse new connections' },
      );
      expect(stopped).toBe(false);
      await blocker.query('rollback');
      await blocker.end();
      const response = await capture;
      expect(response.status).toBe(200);
      await stopping;
      expect(stopped).toBe(true);
      const outbox = await own.db.query<{ published: boolean }>(
        'select published_at is not null as published from outbox where entity_id = $1 order by outbox.seq',
        [id],
      );
      expect(outbox.rows).toEqual([{ published: true }, { published: true }, { published: true }]);
      expect((await ownReader.eventsOf(id, 3)).map((e) => e.event.type)).toEqual([
        'PaymentInitiated',
        'PaymentAuthorized',
        'PaymentCaptured',
      ]);
    } finally {
      await ownReader.close();
      await own.close();
    }
  });
});
