/**
 * The relay against real PostgreSQL (rows written by the real store), with a stand-in publisher so that tests can
 * fail, hold and count sends: order, retries without skipping, wake-up by NOTIFY, one leader, stop, lost sessions.
 */
import type { PaymentEvent } from '@spr/contracts';
import { migrateDatabase } from '@spr/ledger-db';
import { createMetricsRegistry, silentLogger } from '@spr/observability';
import { newTraceparent, type SequencedRecord, type SentRecord } from '@spr/routing';
import { createTestDatabaseSchema, testStack, uniqueName, waitFor, type TestDatabaseSchema } from '@spr/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutboxRelay, type EventPublisher, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
import type { PaymentCommand } from './payment-commands.ts';
import { createPaymentStore, type PaymentStore } from './payment-store.ts';

let schema: TestDatabaseSchema;
let pool: pg.Pool;
let store: PaymentStore;
const relays: OutboxRelay[] = [];

beforeEach(async () => {
  schema = await createTestDatabaseSchema(testStack().databaseUrl, 'relay');
  pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 5 });
  pool.on('error', () => undefined);
  await migrateDatabase(pool);
  store = createPaymentStore({ pool, authorizationTtlMs: 60_000 });
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await pool.end();
  await schema.drop();
});

interface FakePublisher extends EventPublisher {
  /** Every send call, in the order they were made. */
  readonly attempts: SequencedRecord<PaymentEvent>[];
  /** The sends that succeeded, in the order they were acknowledged. */
  readonly delivered: SequencedRecord<PaymentEvent>[];
  /** Sends of a payment that started while an earlier send of the same payment was unacknowledged. */
  readonly overtakes: string[];
}

/** `decide` may fail a send (return an Error) or hold it (return a promise the ack waits for). */
function fakePublisher(
  decide: (record: SequencedRecord<PaymentEvent>, attempt: number) => Error | Promise<void> | undefined = () =>
    undefined,
): FakePublisher {
  const attempts: SequencedRecord<PaymentEvent>[] = [];
  const delivered: SequencedRecord<PaymentEvent>[] = [];
  const overtakes: string[] = [];
  const inFlight = new Set<string>();
  return {
    attempts,
    delivered,
    overtakes,
    async send(record): Promise<SentRecord> {
      const n = attempts.filter((a) => a.eventId === record.eventId).length;
      attempts.push(record);
      if (inFlight.has(record.entityId)) overtakes.push(`${record.entityId}#${record.seq}`);
      inFlight.add(record.entityId);
      try {
        const verdict = decide(record, n);
        if (verdict instanceof Error) throw verdict;
        await verdict;
        delivered.push(record);
        return { partition: 0, offset: BigInt(delivered.length - 1) };
      } finally {
        inFlight.delete(record.entityId);
      }
    },
  };
}

function startRelay(publisher: EventPublisher, options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  const relay = createOutboxRelay({
    connection: { connectionString: schema.databaseUrl },
    pool,
    publisher,
    logger: silentLogger(),
    metrics: createMetricsRegistry(),
    backoff: { initialMs: 5, maxMs: 40 },
    ...options,
  });
  relays.push(relay);
  void relay.start();
  return relay;
}

async function write(command: PaymentCommand): Promise<void> {
  const outcome = await store.write({
    apiKeyId: 'test',
    idempotencyKey: uniqueName('idem'),
    requestHash: 'h',
    command,
    correlationId: 'corr',
    traceparent: newTraceparent(),
  });
  expect(outcome.kind).toBe('completed');
}

/** A payment with `refunds` refunds of 1 after initiate, authorize and capture: 3 + refunds outbox rows. */
async function paymentWithEvents(refunds: number): Promise<string> {
  const paymentId = uniqueName('pay');
  await write({
    kind: 'initiate',
    paymentId,
    customerId: 'cu',
    merchantId: 'm',
    amountMinor: 1_000n,
    currency: 'EUR',
    paymentMethod: 'CARD',
    description: null,
  });
  await write({ kind: 'authorize', paymentId, authorizationCode: undefined });
  await write({ kind: 'capture', paymentId, amountMinor: undefined, acquirerReference: null });
  for (let i = 0; i < refunds; i++) await write({ kind: 'refund', paymentId, amountMinor: 1n, reason: null });
  return paymentId;
}

const seqsOf = (records: readonly SequencedRecord<PaymentEvent>[], paymentId: string) =>
  records.filter((r) => r.entityId === paymentId).map((r) => Number(r.seq));
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function unpublished(): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null');
  return rows[0]!.n;
}

describe('outbox relay', () => {
  it("publishes a backlog in per-payment seq order, never sending a payment's row before the previous one is acknowledged", async () => {
    // 12 rows for one payment put ids 9, 10, 11 in one batch: ordering must be numeric, not textual.
    const a = await paymentWithEvents(9);
    const b = await paymentWithEvents(2);
    const c = await paymentWithEvents(0);
    const publisher = fakePublisher(() => new Promise((resolve) => setTimeout(resolve, 1)));
    startRelay(publisher);
    await waitFor(async () => (await unpublished()) === 0, { what: 'the backlog to be published' });
    expect(seqsOf(publisher.delivered, a)).toEqual(range(12));
    expect(seqsOf(publisher.delivered, b)).toEqual(range(5));
    expect(seqsOf(publisher.delivered, c)).toEqual(range(3));
    expect(publisher.overtakes).toEqual([]);
    const { rows } = await pool.query<{ attempts: number }>('select distinct attempts from outbox');
    expect(rows).toEqual([{ attempts: 1 }]);
    const first = publisher.delivered.find((r) => r.entityId === a)!;
    expect(first).toMatchObject({
      entityType: 'payment',
      seq: 1n,
      eventType: 'PaymentInitiated',
      correlationId: 'corr',
      event: { type: 'PaymentInitiated', payload: { amount_minor: 1_000n } },
    });
  });

  it('retries a failed send with backoff, never skipping the row or letting a later row of the payment overtake it', async () => {
    const a = await paymentWithEvents(3);
    const b = await paymentWithEvents(1);
    const publisher = fakePublisher((record, attempt) =>
      record.entityId === a && record.seq === 3n && attempt < 3 ? new Error('broker unavailable') : undefined,
    );
    startRelay(publisher);
    await waitFor(async () => (await unpublished()) === 0, { what: 'every row published despite the failures' });
    expect(seqsOf(publisher.attempts, a).filter((s) => s === 3)).toHaveLength(4);
    expect(seqsOf(publisher.delivered, a)).toEqual(range(6));
    expect(seqsOf(publisher.delivered, b)).toEqual(range(4));
    expect(publisher.overtakes).toEqual([]);
    const { rows } = await pool.query<{ attempts: number }>(
      `select attempts from outbox where entity_id = $1 and seq = 3`,
      [a],
    );
    expect(rows[0]!.attempts).toBe(4);
  });

  it("is woken by the commit's NOTIFY: with a one-minute poll, a new row is published at once", async () => {
    const application = uniqueName('relay');
    const publisher = fakePublisher();
    const relay = startRelay(publisher, {
      pollIntervalMs: 60_000,
      connection: { connectionString: schema.databaseUrl, application_name: application },
    });
    await waitFor(() => relay.leader, { what: 'the relay to lead' });
    // Let it drain the empty outbox (after its LISTEN) and go to sleep on its poll.
    const idle = `select 1 from pg_stat_activity where application_name = $1 and state = 'idle' and query like '%from outbox o where%'`;
    await waitFor(async () => (await pool.query(idle, [application])).rowCount === 1, {
      what: 'the relay to drain and wait',
    });
    const a = await paymentWithEvents(0);
    await waitFor(() => publisher.delivered.length === 3 && publisher.delivered, {
      what: 'the new rows published without waiting for the poll',
      timeoutMs: 10_000,
    });
    expect(seqsOf(publisher.delivered, a)).toEqual(range(3));
  });

  it('runs one active relay per schema; a standby takes over when the leader stops', async () => {
    const first = fakePublisher();
    const second = fakePublisher();
    const one = startRelay(first);
    await waitFor(() => one.leader, { what: 'the first relay to lead' });
    const two = startRelay(second);
    const a = await paymentWithEvents(0);
    await waitFor(() => first.delivered.length === 3, { what: 'the leader to publish' });
    expect(two.leader).toBe(false);
    expect(second.attempts).toEqual([]);

    await one.stop();
    expect(one.leader).toBe(false);
    await waitFor(() => two.leader, { what: 'the standby to take over' });
    const b = await paymentWithEvents(0);
    await waitFor(() => second.delivered.length === 3, { what: 'the new leader to publish' });
    expect(seqsOf(first.delivered, a)).toEqual(range(3));
    expect(seqsOf(second.delivered, b)).toEqual(range(3));
    expect(seqsOf(first.delivered, b)).toEqual([]);
  });

  it('stop() lets the batch in flight finish and publishes what was committed meanwhile', async () => {
    const a = await paymentWithEvents(0);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const publisher = fakePublisher(() => gate);
    const relay = startRelay(publisher);
    await waitFor(() => publisher.attempts.length === 1, { what: 'the first send to be in flight' });
    const b = await paymentWithEvents(0);
    const stopped = relay.stop();
    release();
    await stopped;
    expect(seqsOf(publisher.delivered, a)).toEqual(range(3));
    expect(seqsOf(publisher.delivered, b)).toEqual(range(3));
    expect(await unpublished()).toBe(0);
    await relay.stop();
  });

  it('re-establishes a lost session and carries on', async () => {
    const application = uniqueName('relay');
    const publisher = fakePublisher();
    const relay = startRelay(publisher, {
      connection: { connectionString: schema.databaseUrl, application_name: application },
    });
    await waitFor(() => relay.leader, { what: 'the relay to lead' });
    const killed = await pool.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
      [application],
    );
    expect(killed.rowCount).toBe(1);
    const a = await paymentWithEvents(1);
    await waitFor(() => publisher.delivered.length === 4, { what: 'the relay to reconnect and publish' });
    expect(seqsOf(publisher.delivered, a)).toEqual(range(4));
    expect(relay.leader).toBe(true);
  });

  it('stops while standing by without waiting for the lock', async () => {
    const holder = startRelay(fakePublisher());
    await waitFor(() => holder.leader, { what: 'the first relay to lead' });
    const standby = startRelay(fakePublisher());
    await waitFor(
      async () =>
        (
          await pool.query(
            `select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%pg_advisory_lock%'`,
          )
        ).rowCount! > 0,
      { what: 'the standby to wait for the lock' },
    );
    await standby.stop();
    expect(standby.leader).toBe(false);
    expect(holder.leader).toBe(true);
  });
});
