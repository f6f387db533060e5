/** Concurrent requests: one key never makes two events, and one payment never gives out more than it holds. */
import { uniqueName } from '@spr/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readTopic,
  startGatewayHarness,
  type GatewayHarness,
  type HttpResult,
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
  amount_minor: '1000',
  currency: 'EUR',
  payment_method: 'CARD',
  ...over,
});

async function outboxSeqs(id: string): Promise<string[]> {
  const { rows } = await h.db.query<{ seq: string }>('select seq::text from outbox where entity_id = $1 order by id', [
    id,
  ]);
  return rows.map((r) => r.seq);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

describe('concurrency', () => {
  it('two (or ten) concurrent requests with one key: one event; the others are told 409 or get the replay', async () => {
    const key = uniqueName('idem');
    const body = newPayment();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => h.call('POST', '/v1/payments', { body, idempotencyKey: key })),
    );
    const created = responses.filter((r) => r.status === 201);
    const busy = responses.filter((r) => r.status === 409);
    expect(created.length + busy.length).toBe(10);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect(new Set(created.map((r) => r.text)).size).toBe(1);
    for (const r of busy) expect(r.json.error).toBe('idempotency_key_in_use');

    const payments = await h.db.query('select payment_id from gateway_payments where customer_id = $1', [
      body.customer_id,
    ]);
    expect(payments.rowCount).toBe(1);
    const id = created[0]!.json.payment_id as string;
    expect(await outboxSeqs(id)).toEqual(['1']);

    // Once the first has committed, every retry is a replay.
    const retry = await h.call('POST', '/v1/payments', { body, idempotencyKey: key });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.text).toBe(created[0]!.text);
  });

  it('20 concurrent refunds never exceed the captured amount; seq stays contiguous and Kafka has them in order', async () => {
    const id = (await h.call('POST', '/v1/payments', { body: newPayment({ amount_minor: '1000' }) })).json
      .payment_id as string;
    await h.call('POST', `/v1/payments/${id}/authorize`);
    await h.call('POST', `/v1/payments/${id}/capture`);

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => h.call('POST', `/v1/payments/${id}/refunds`, { body: { amount_minor: '70' } })),
    );
    const refunded = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 409);
    // 14 x 70 = 980 fits in 1000; a 15th would not.
    expect(refunded).toHaveLength(14);
    expect(refused).toHaveLength(6);
    for (const r of refused)
      expect(r.json).toMatchObject({ error: 'amount_exceeded', message: 'refund of 70 exceeds the refundable 20' });
    expect(refunded.map((r) => r.json.event.seq).sort((a: string, b: string) => Number(a) - Number(b))).toEqual(
      range(17).slice(3),
    );

    const read = await h.call('GET', `/v1/payments/${id}`);
    expect(read.json).toMatchObject({
      state: 'captured',
      captured_minor: '1000',
      refunded_minor: '980',
      refundable_minor: '20',
      last_seq: '17',
    });
    expect(await outboxSeqs(id)).toEqual(range(17));

    const events = await reader.eventsOf(id, 17);
    expect(events.map((e) => e.event.payload.seq)).toEqual(range(17).map(BigInt));
    const total = events.reduce(
      (sum, e) => sum + (e.event.type === 'PaymentRefunded' ? e.event.payload.amount_minor : 0n),
      0n,
    );
    expect(total).toBe(980n);
  });

  it('20 concurrent captures of one payment: exactly one succeeds', async () => {
    const id = (await h.call('POST', '/v1/payments', { body: newPayment({ amount_minor: '5000' }) })).json
      .payment_id as string;
    await h.call('POST', `/v1/payments/${id}/authorize`);
    const responses: HttpResult[] = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.call('POST', `/v1/payments/${id}/capture`, { body: { amount_minor: String(1000 + i * 100) } }),
      ),
    );
    const captured = responses.filter((r) => r.status === 200);
    expect(captured).toHaveLength(1);
    for (const r of responses.filter((x) => x.status !== 200))
      expect(r.json).toMatchObject({ error: 'illegal_transition', state: 'captured' });
    const read = await h.call('GET', `/v1/payments/${id}`);
    expect(read.json).toMatchObject({
      state: 'captured',
      captured_minor: captured[0]!.json.captured_minor,
      last_seq: '3',
    });
    expect(await outboxSeqs(id)).toEqual(range(3));
  });

  it('keeps per-payment seq contiguous and in order on Kafka under concurrent load on many payments', async () => {
    const ids = await Promise.all(
      Array.from(
        { length: 30 },
        async () => (await h.call('POST', '/v1/payments', { body: newPayment() })).json.payment_id as string,
      ),
    );
    const started = Date.now();
    await Promise.all(
      ids.map(async (id) => {
        await h.call('POST', `/v1/payments/${id}/authorize`);
        await h.call('POST', `/v1/payments/${id}/capture`, { body: { amount_minor: '900' } });
        await Promise.all(
          [1, 2, 3].map(() => h.call('POST', `/v1/payments/${id}/refunds`, { body: { amount_minor: '300' } })),
        );
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `[gateway load] ${ids.length * 5} writes on ${ids.length} payments in ${seconds.toFixed(2)} s: ${Math.round((ids.length * 5) / seconds)} requests/s (one process, pool of 10)\n`,
    );
    for (const id of ids) {
      expect(await outboxSeqs(id)).toEqual(range(6));
      const events = await reader.eventsOf(id, 6);
      expect(events.map((e) => e.event.payload.seq)).toEqual(range(6).map(BigInt));
      expect(new Set(events.map((e) => e.partition)).size).toBe(1);
    }
  });
});
