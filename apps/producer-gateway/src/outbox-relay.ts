/**
 * The outbox relay: publishes committed outbox rows to Kafka in order and stamps them published.
 *
 * - One active relay per outbox (per schema): the relay holds a session-level advisory lock on a connection of
 *   its own. Other instances block on the same lock and take over the moment that session ends.
 * - Woken by NOTIFY at the commit of every write, with a fallback poll in case a notification is lost.
 * - Order: rows are read in id order. A payment's rows get increasing ids in seq order (its writes are
 *   serialised by the row lock and each commits before the next inserts), and a row is sent only after the
 *   payment's previous row in the batch was acknowledged (rows go out in "waves", one row per payment per wave).
 * - At-least-once: a row is stamped after Kafka acknowledged it; a crash in between publishes it again (with the
 *   same event id, which consumers dedupe on). A failed send is retried with backoff; no row is ever skipped.
 */
import {
  fromJsonValue,
  paymentTypes,
  PAYMENT_EVENT_TYPES,
  type PaymentEvent,
  type PaymentEventType,
} from '@spr/contracts';
import { backoffDelay } from '@spr/errors';
import type { Logger } from '@spr/observability';
import type { SequencedRecord, SentRecord } from '@spr/routing';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { GatewayError } from './gateway-error.ts';
import { OUTBOX_CHANNEL } from './payment-store.ts';

/** Where the relay sends events: the sequenced producer of @spr/routing, or a stand-in in tests. */
export interface EventPublisher {
  send(record: SequencedRecord<PaymentEvent>): Promise<SentRecord>;
}

export interface OutboxRelayOptions {
  /** The relay's own session (lock, LISTEN, reads and stamps); the same database and search_path as the pool. */
  readonly connection: pg.ClientConfig;
  /** For the backlog gauge, read at scrape time. */
  readonly pool: pg.Pool;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface OutboxRelay {
  /** Starts the loop; it stands by until it holds the lock. Resolves at once. */
  start(): Promise<void>;
  /** Lets the batch in flight finish, publishes what is committed (when leading), ends the session. Idempotent. */
  stop(): Promise<void>;
  /** Whether this relay holds the lock now. */
  readonly leader: boolean;
}

export const RELAY_DEFAULTS = {
  batchSize: 500,
  pollIntervalMs: 500,
  backoff: { initialMs: 100, maxMs: 10_000 },
} as const;

interface OutboxRow {
  readonly id: string;
  readonly event_id: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly seq: string;
  readonly event_type: string;
  readonly payload: unknown;
  readonly correlation_id: string;
  readonly traceparent: string | null;
  readonly created_at: Date;
}

interface Session {
  readonly client: pg.Client;
  readonly schema: string;
  lost: Error | undefined;
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { publisher, logger, pool } = options;
  const batchSize = options.batchSize ?? RELAY_DEFAULTS.batchSize;
  const pollIntervalMs = options.pollIntervalMs ?? RELAY_DEFAULTS.pollIntervalMs;
  const backoff = options.backoff ?? RELAY_DEFAULTS.backoff;
  const types = paymentTypes();
  const metrics = relayMetrics(options.metrics, pool, logger);

  let state: 'new' | 'running' | 'stopped' = 'new';
  let leader = false;
  const abort = new AbortController();
  /** The running loop; every stop() waits for it to end. */
  let loop: Promise<void> | undefined;
  let wakePending = false;
  let wakeWaiter: (() => void) | undefined;

  const wake = () => {
    wakePending = true;
    wakeWaiter?.();
  };

  /** Resolves on a notification, the poll interval, a lost session or stop(). */
  const waitForWork = (ms: number) =>
    new Promise<void>((resolve) => {
      if (wakePending || abort.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        wakeWaiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      abort.signal.addEventListener('abort', done, { once: true });
      wakeWaiter = done;
    });

  async function openSession(): Promise<Session> {
    const client = new pg.Client({ ...options.connection, keepAlive: true });
    const session: Session = { client, schema: '', lost: undefined };
    client.on('error', (error) => {
      session.lost = error;
      wake();
    });
    client.on('end', () => {
      session.lost ??= new GatewayError('RELAY_SESSION_LOST', 'the relay session ended', { retriable: true });
      wake();
    });
    // Standing by can last forever: stop() ends the client, which ends the blocked lock query.
    const interrupt = () =>
      void client.end().catch((error: unknown) => logger.debug({ err: error }, 'closing the relay session'));
    abort.signal.addEventListener('abort', interrupt, { once: true });
    try {
      await client.connect();
      const schema = (await client.query<{ schema: string | null }>('select current_schema() as schema')).rows[0]
        ?.schema;
      if (!schema)
        throw new GatewayError(
          'RELAY_SESSION_LOST',
          'the relay session has no current schema: its search_path names no existing schema',
        );
      const lockName = `spr-outbox-relay:${schema}`;
      logger.info({ schema }, 'outbox relay standing by for the relay lock');
      await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [lockName]);
      client.on('notification', (message) => {
        if (message.channel === OUTBOX_CHANNEL && message.payload === schema) wake();
      });
      await client.query(`listen ${OUTBOX_CHANNEL}`);
      return Object.assign(session, { schema });
    } catch (error) {
      await client.end().catch((endError: unknown) => logger.debug({ err: endError }, 'closing the relay session'));
      throw error;
    } finally {
      abort.signal.removeEventListener('abort', interrupt);
    }
  }

  /** Sends one batch, wave by wave; stamps what Kafka acknowledged. Throws on a database failure. */
  async function drainOnce(session: Session): Promise<{ readonly rows: number; readonly failure?: unknown }> {
    const { rows } = await session.client.query<OutboxRow>(
      // Ordered by the bigint column, qualified: a bare `id` would name the text output column ('10' < '9').
      `select o.id::text as id, o.event_id::text as event_id, o.entity_type, o.entity_id, o.seq::text as seq, o.event_type, o.payload,
              o.correlation_id, o.traceparent, o.created_at
         from outbox o where o.published_at is null order by o.id limit $1`,
      [batchSize],
    );
    if (rows.length === 0) return { rows: 0 };
    const acked: OutboxRow[] = [];
    const failed: OutboxRow[] = [];
    let failure: unknown;
    for (const wave of waves(rows)) {
      const results = await Promise.allSettled(wave.map((row) => publish(row)));
      for (const [i, result] of results.entries()) {
        const row = wave[i]!;
        if (result.status === 'fulfilled') {
          acked.push(row);
          metrics.latency.observe(Math.max(0, Date.now() - row.created_at.getTime()) / 1000);
        } else {
          failed.push(row);
          failure ??= result.reason;
        }
      }
      if (failure !== undefined) break;
    }
    if (acked.length > 0) {
      await session.client.query(
        'update outbox set published_at = now(), attempts = attempts + 1 where id = any($1::bigint[])',
        [acked.map((r) => r.id)],
      );
      metrics.published.inc(acked.length);
    }
    if (failed.length > 0) {
      await session.client.query('update outbox set attempts = attempts + 1 where id = any($1::bigint[])', [
        failed.map((r) => r.id),
      ]);
      metrics.failures.inc(failed.length);
    }
    return failure === undefined ? { rows: rows.length } : { rows: rows.length, failure };
  }

  function publish(row: OutboxRow): Promise<SentRecord> {
    let event: PaymentEvent;
    try {
      event = toEvent(row);
    } catch (error) {
      return Promise.reject(error);
    }
    return publisher.send({
      entityType: row.entity_type,
      entityId: row.entity_id,
      seq: BigInt(row.seq),
      eventId: row.event_id,
      eventType: row.event_type,
      correlationId: row.correlation_id,
      ...(row.traceparent && { traceparent: row.traceparent }),
      event,
    });
  }

  function toEvent(row: OutboxRow): PaymentEvent {
    if (!PAYMENT_EVENT_TYPES.includes(row.event_type as PaymentEventType)) {
      throw new GatewayError(
        'INVALID_OUTBOX_ROW',
        `outbox row ${row.id} has event_type '${row.event_type}', which is not a payments event`,
        { context: { id: row.id } },
      );
    }
    const type = row.event_type as PaymentEventType;
    try {
      return { type, payload: fromJsonValue(types[type], row.payload) } as PaymentEvent;
    } catch (error) {
      throw new GatewayError(
        'INVALID_OUTBOX_ROW',
        `outbox row ${row.id} (${type}) does not fit its schema: ${(error as Error).message}`,
        { cause: error, context: { id: row.id } },
      );
    }
  }

  async function lead(session: Session): Promise<void> {
    let failures = 0;
    while (!abort.signal.aborted) {
      if (session.lost)
        throw new GatewayError('RELAY_SESSION_LOST', `the relay session failed: ${session.lost.message}`, {
          retriable: true,
          cause: session.lost,
        });
      wakePending = false;
      const result = await drainOnce(session);
      if (result.failure !== undefined) {
        const delay = backoffDelay(failures++, backoff);
        logger.warn(
          { err: result.failure, attempt: failures, retryInMs: delay },
          'publishing outbox rows failed; retrying from the first unpublished row',
        );
        await sleep(delay, undefined, { signal: abort.signal }).catch(() => undefined); // stop() ends the wait
        continue;
      }
      failures = 0;
      if (result.rows < batchSize) await waitForWork(pollIntervalMs);
    }
    // Stopping: HTTP has stopped taking writes, so publish what they committed (one pass, no retries).
    let result = await drainOnce(session);
    while (result.rows === batchSize && result.failure === undefined) result = await drainOnce(session);
  }

  async function run(): Promise<void> {
    let attempt = 0;
    while (!abort.signal.aborted) {
      let session: Session | undefined;
      try {
        session = await openSession();
        leader = true;
        metrics.leader.set(1);
        attempt = 0;
        logger.info({ schema: session.schema }, 'outbox relay is the active relay');
        await lead(session);
      } catch (error) {
        if (abort.signal.aborted && !leader) break; // stop() interrupted the wait for the lock
        const delay = backoffDelay(attempt++, backoff);
        logger.error({ err: error, retryInMs: delay }, 'outbox relay failed; reconnecting');
        await sleep(delay, undefined, { signal: abort.signal }).catch(() => undefined); // stop() ends the wait
      } finally {
        leader = false;
        metrics.leader.set(0);
        if (session)
          await session.client
            .end()
            .catch((error: unknown) => logger.debug({ err: error }, 'closing the relay session'));
      }
    }
  }

  return {
    async start() {
      if (state !== 'new') return;
      state = 'running';
      loop = run();
    },

    stop() {
      state = 'stopped';
      abort.abort();
      return (loop ?? Promise.resolve()).then(() => undefined);
    },

    get leader() {
      return leader;
    },
  };
}

/**
 * The rows split so that each payment's rows go out one per wave, in id (= seq) order: wave k holds the k-th
 * row of every payment in the batch. Rows of different payments have no order to keep and go out together.
 */
export function waves<R extends { readonly entity_type: string; readonly entity_id: string }>(
  rows: readonly R[],
): R[][] {
  const position = new Map<string, number>();
  const out: R[][] = [];
  for (const row of rows) {
    const key = `${row.entity_type}:${row.entity_id}`;
    const k = position.get(key) ?? 0;
    position.set(key, k + 1);
    (out[k] ??= []).push(row);
  }
  return out;
}

function relayMetrics(registry: Registry, pool: pg.Pool, logger: Logger) {
  return {
    published: new Counter({
      name: 'spr_outbox_published_total',
      help: 'Outbox rows published to Kafka and acknowledged',
      registers: [registry],
    }),
    failures: new Counter({
      name: 'spr_outbox_publish_failures_total',
      help: 'Outbox rows whose publication failed (each is retried)',
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'spr_outbox_publish_latency_seconds',
      help: 'From the outbox row being written to Kafka acknowledging it',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'spr_outbox_relay_leader',
      help: '1 while this instance is the active relay',
      registers: [registry],
    }),
    backlog: new Gauge({
      name: 'spr_outbox_backlog',
      help: 'Outbox rows not yet published (read at scrape time)',
      registers: [registry],
      async collect() {
        try {
          const { rows } = await pool.query<{ n: number }>(
            'select count(*)::int as n from outbox where published_at is null',
          );
          this.set(rows[0]?.n ?? 0);
        } catch (error) {
          logger.warn({ err: error }, 'could not read the outbox backlog for the metrics');
        }
      },
    }),
  };
}
