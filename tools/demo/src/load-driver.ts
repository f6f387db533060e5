import { seededRandom } from '@spr/payments-domain';

export interface LoadOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly payments: number;
  readonly concurrency: number;
  readonly seed: number;
  /** Called with each accepted write's event id and when its request started (performance.now()). */
  readonly onEvent: (eventId: string, startedAt: number) => void;
}

export interface LoadResult {
  requests: number;
  accepted: number;
  /** A client retried a request (same Idempotency-Key, same body) and got the original answer back. */
  retriesReplayed: number;
  /** The same request sent twice at once: one was processed, the other refused (409) or replayed. */
  duplicatesAbsorbed: number;
  /** Requests the state machine refused, as intended (capture after cancel, refund over the captured amount…). */
  illegalRefused: number;
  /** Anything else that was not expected: must stay 0. */
  unexpected: Array<{ request: string; status: number; body: string }>;
}

type Step = { path: (id: string) => string; body: Record<string, unknown> };

/**
 * A client population using the gateway the way real ones do: payments go through their lifecycles concurrently;
 * some responses are "lost" and the request retried with the same Idempotency-Key; some requests are sent twice
 * at once; a few clients try transitions the state machine refuses.
 */
export async function driveLoad(options: LoadOptions, progress: (done: number) => void): Promise<LoadResult> {
  const random = seededRandom(options.seed);
  const result: LoadResult = {
    requests: 0,
    accepted: 0,
    retriesReplayed: 0,
    duplicatesAbsorbed: 0,
    illegalRefused: 0,
    unexpected: [],
  };
  let keys = 0;

  const call = async (path: string, body: Record<string, unknown>, key: string) => {
    result.requests++;
    const startedAt = performance.now();
    const response = await fetch(`${options.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey, 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      text,
      replayed: response.headers.get('idempotent-replayed') === 'true',
      startedAt,
    };
  };

  const accept = (r: { status: number; text: string; replayed: boolean; startedAt: number }) => {
    if (r.replayed) return;
    const event = (JSON.parse(r.text) as { event?: { event_id: string } }).event;
    if (event) {
      result.accepted++;
      options.onEvent(event.event_id, r.startedAt);
    }
  };

  const send = async (label: string, path: string, body: Record<string, unknown>, expectRefusal = false) => {
    const key = `demo-${options.seed}-${keys++}`;
    const roll = random();
    if (roll < 0.02 && !expectRefusal) {
      // The same request twice at once (a double click, two retries racing).
      const [a, b] = await Promise.all([call(path, body, key), call(path, body, key)]);
      const ok = [a, b].filter((r) => r.status < 300 && !r.replayed);
      if (ok.length === 1 && [a, b].every((r) => r.status < 300 || r.status === 409)) result.duplicatesAbsorbed++;
      else
        result.unexpected.push({
          request: `${label} (twice at once)`,
          status: a.status,
          body: `${a.text} | ${b.status} ${b.text}`,
        });
      for (const r of ok) accept(r);
      return ok[0] ?? (b.replayed ? b : a);
    }
    const first = await call(path, body, key);
    if (expectRefusal) {
      if (first.status === 409) result.illegalRefused++;
      else result.unexpected.push({ request: label, status: first.status, body: first.text });
      return first;
    }
    if (first.status >= 300) {
      result.unexpected.push({ request: label, status: first.status, body: first.text });
      return first;
    }
    accept(first);
    if (roll < 0.07) {
      // The response was "lost": the client retries with the same key and must get the same answer.
      const retry = await call(path, body, key);
      if (retry.replayed && retry.status === first.status && retry.text === first.text) result.retriesReplayed++;
      else result.unexpected.push({ request: `${label} (retry)`, status: retry.status, body: retry.text });
    }
    return first;
  };

  const lifecycle = async (n: number) => {
    const id = `demo-pay-${options.seed}-${n}`;
    const amount = 500 + Math.floor(random() * 50_000);
    const created = await send('initiate', '/v1/payments', {
      payment_id: id,
      customer_id: `c-${Math.floor(random() * 500)}`,
      merchant_id: `m-${Math.floor(random() * 20)}`,
      amount_minor: String(amount),
      currency: 'EUR',
      payment_method: 'CARD',
    });
    if (created.status >= 300) return;
    const roll = random();
    const steps: Array<Step & { refused?: boolean; label: string }> = [];
    const at = (action: string) => (p: string) => `/v1/payments/${p}/${action}`;
    if (roll < 0.06) {
      steps.push({ label: 'fail', path: at('fail'), body: { failure_code: 'card_declined' } });
    } else if (roll < 0.16) {
      steps.push(
        { label: 'authorize', path: at('authorize'), body: {} },
        { label: 'cancel', path: at('cancel'), body: { cancelled_by: 'customer' } },
      );
      // A client that missed the cancellation tries to capture: refused.
      if (random() < 0.3) steps.push({ label: 'capture after cancel', path: at('capture'), body: {}, refused: true });
    } else {
      const captured = random() < 0.2 ? Math.floor(amount * 0.6) : amount;
      steps.push(
        { label: 'authorize', path: at('authorize'), body: {} },
        { label: 'capture', path: at('capture'), body: { amount_minor: String(captured) } },
      );
      const refunds = random();
      if (refunds < 0.25)
        steps.push({
          label: 'refund',
          path: at('refunds'),
          body: { amount_minor: String(Math.floor(captured / 3) || 1) },
        });
      if (refunds < 0.1)
        steps.push({
          label: 'refund too much',
          path: at('refunds'),
          body: { amount_minor: String(captured * 2) },
          refused: true,
        });
    }
    for (const step of steps) {
      const r = await send(step.label, step.path(id), step.body, step.refused);
      if (!step.refused && r.status >= 300) return;
    }
  };

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < options.payments) {
      await lifecycle(next++);
      progress(++done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}
