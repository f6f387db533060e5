/**
 * The gateway's write path: one PostgreSQL transaction per request that claims the Idempotency-Key, locks the
 * payment, runs the state machine on the candidate event, stores the new state with the event's seq, writes the
 * outbox row and the idempotency record, and notifies the relay at commit.
 *
 * Round trips, not PostgreSQL, bound a request's latency (docs/design.md §9), so a write takes five: begin with the
 * key's lock, the idempotency look-up, the payment's row lock, one statement for all the effects, commit. The
 * tables are those of @spr/ledger-db's Drizzle models (`gateway_payments`, `outbox`, `idempotency_requests`),
 * written in SQL here: the query builder was the largest CPU cost of a request (measured; see the README).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { paymentTypes, toJsonValue, type PaymentEvent } from '@spr/contracts';
import { isTransientPgError, pgErrorKind, violatedConstraint, withTransaction } from '@spr/ledger-db';
import type { PaymentState } from '@spr/payments-domain';
import type pg from 'pg';
import type { ErrorCode } from './api-schemas.ts';
import { GatewayError } from './gateway-error.ts';
import type { FieldProblem } from './json-schema.ts';
import { decide, emittedEvent, type GatewayPayment, type PaymentCommand } from './payment-commands.ts';
import { paymentView } from './payment-view.ts';
import { idempotencyLockKey } from './request-hash.ts';

/** The channel the relay LISTENs on; the payload is the schema whose outbox got rows. */
export const OUTBOX_CHANNEL = 'spr_outbox';

export interface WriteRequest {
  readonly apiKeyId: string;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly command: PaymentCommand;
  readonly correlationId: string;
  readonly traceparent: string;
}

export interface ErrorBody {
  readonly error: ErrorCode;
  readonly message: string;
  readonly fields?: readonly FieldProblem[];
  readonly state?: string;
}

/** Every way a write request ends; only `completed` changed anything (and is what a replay returns). */
export type WriteOutcome =
  | {
      readonly kind: 'completed';
      readonly status: number;
      readonly body: Readonly<Record<string, unknown>>;
      readonly event: PaymentEvent;
    }
  | { readonly kind: 'replayed'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'refused'; readonly status: number; readonly body: ErrorBody }
  | { readonly kind: 'key_in_use' }
  | { readonly kind: 'key_reused' };

export interface PaymentStore {
  write(request: WriteRequest): Promise<WriteOutcome>;
  read(paymentId: string): Promise<GatewayPayment | undefined>;
  /** Whether the database answers (readiness). */
  ping(): Promise<void>;
}

export interface PaymentStoreOptions {
  readonly pool: pg.Pool;
  readonly authorizationTtlMs: number;
}

const SUCCESS_STATUS: Readonly<Record<PaymentCommand['kind'], number>> = {
  initiate: 201,
  refund: 201,
  authorize: 200,
  capture: 200,
  cancel: 200,
  fail: 200,
};

const PAYMENT_COLUMNS = `payment_id, state, customer_id, merchant_id, currency, amount_minor::text, captured_minor::text, refunded_minor::text, last_seq::text, created_at, updated_at`;

interface PaymentRow {
  readonly payment_id: string;
  readonly state: PaymentState;
  readonly customer_id: string;
  readonly merchant_id: string;
  readonly currency: string;
  readonly amount_minor: string;
  readonly captured_minor: string;
  readonly refunded_minor: string;
  readonly last_seq: string;
  readonly created_at: Date;
  readonly updated_at: Date;
}

const toPayment = (r: PaymentRow): GatewayPayment => ({
  paymentId: r.payment_id,
  state: r.state,
  customerId: r.customer_id,
  merchantId: r.merchant_id,
  currency: r.currency,
  amountMinor: BigInt(r.amount_minor),
  capturedMinor: BigInt(r.captured_minor),
  refundedMinor: BigInt(r.refunded_minor),
  lastSeq: BigInt(r.last_seq),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The outbox row and the idempotency record, written only if the `payment` statement wrote the payment. Inserted
 * from a SELECT, whose parameters PostgreSQL would type as text, hence the casts.
 */
const OUTBOX_AND_RECORD = `
  event as (
    insert into outbox (event_id, entity_type, entity_id, seq, event_type, payload, correlation_id, traceparent, created_at)
    select $2::uuid, $3::text, $1::text, $4::bigint, $5::text, $6::jsonb, $7::text, $8::text, clock_timestamp() from payment
  ),
  record as (
    insert into idempotency_requests (api_key_id, idempotency_key, request_hash, status, response_status, response_body, completed_at)
    select $9::text, $10::text, $11::text, 'completed', $12::int, $13::jsonb, $14::timestamptz from payment
  )
select (select count(*)::int from payment) as written, pg_notify('${OUTBOX_CHANNEL}', current_schema())`;

/** Creates the payment unless it exists (a concurrent initiate of the same client-chosen id). */
const INITIATE_EFFECTS = `
with payment as (
  insert into gateway_payments (payment_id, state, customer_id, merchant_id, currency, amount_minor, last_seq, created_at, updated_at)
  values ($1, $15, $16, $17, $18, $19, $4, $14, $14)
  on conflict (payment_id) do nothing
  returning payment_id
),${OUTBOX_AND_RECORD}`;

/** Moves the (locked) payment to its new state and seq. */
const TRANSITION_EFFECTS = `
with payment as (
  update gateway_payments set state = $15, captured_minor = $16, refunded_minor = $17, last_seq = $4, updated_at = $14
  where payment_id = $1
  returning payment_id
),${OUTBOX_AND_RECORD}`;

export function createPaymentStore(options: PaymentStoreOptions): PaymentStore {
  const { pool } = options;
  const types = paymentTypes();

  async function writeInTransaction(
    client: pg.PoolClient,
    request: WriteRequest,
  ): Promise<{ commit: boolean; outcome: WriteOutcome }> {
    const { apiKeyId, idempotencyKey, command } = request;
    // A second request with the same key waits for nothing: while the first holds the lock, it is told 409. The
    // key is a decimal bigint computed here, so it can go in the text of the one-round-trip `begin; ...`.
    const lockKey = BigInt(idempotencyLockKey(apiKeyId, idempotencyKey)).toString();
    const [, lock] = (await client.query(
      `begin; select pg_try_advisory_xact_lock(${lockKey}::bigint) as locked`,
    )) as unknown as [pg.QueryResult, pg.QueryResult<{ locked: boolean }>];
    if (!lock.rows[0]?.locked) return { commit: false, outcome: { kind: 'key_in_use' } };

    // A statement of its own, after the lock: its snapshot sees the record of a request that held the key before.
    const previous = await client.query<{
      request_hash: string;
      response_status: number | null;
      response_body: unknown;
    }>(
      'select request_hash, response_status, response_body from idempotency_requests where api_key_id = $1 and idempotency_key = $2',
      [apiKeyId, idempotencyKey],
    );
    const record = previous.rows[0];
    if (record) {
      const outcome: WriteOutcome =
        record.request_hash === request.requestHash
          ? { kind: 'replayed', status: record.response_status ?? 200, body: record.response_body }
          : { kind: 'key_reused' };
      return { commit: false, outcome };
    }

    const loaded = await client.query<PaymentRow & { currency_known: boolean | null }>(
      command.kind === 'initiate'
        ? `select p.*, exists (select 1 from currencies where code = $2) as currency_known
             from (select 1) one left join (select ${PAYMENT_COLUMNS} from gateway_payments where payment_id = $1) p on true`
        : `select ${PAYMENT_COLUMNS}, null as currency_known from gateway_payments where payment_id = $1 for update`,
      command.kind === 'initiate' ? [command.paymentId, command.currency] : [command.paymentId],
    );
    const row = loaded.rows[0];
    const current = row?.payment_id ? toPayment(row) : undefined;
    const occurredAt = new Date();
    const decision = decide(command, current, {
      eventId: randomUUID(),
      occurredAt,
      correlationId: request.correlationId,
      causationId: null,
      refundId: randomUUID(),
      generatedAuthorizationCode: `AUTH-${randomBytes(4).toString('hex').toUpperCase()}`,
      authorizationTtlMs: options.authorizationTtlMs,
    });
    if (!decision.ok) {
      const { status, error, message, fields, state } = decision;
      return {
        commit: false,
        outcome: {
          kind: 'refused',
          status,
          body: { error, message, ...(fields && { fields }), ...(state && { state }) },
        },
      };
    }
    if (command.kind === 'initiate' && row?.currency_known === false) {
      const problem = `'${command.currency}' is not an ISO-4217 currency this ledger knows`;
      return {
        commit: false,
        outcome: {
          kind: 'refused',
          status: 400,
          body: { error: 'invalid_request', message: `currency ${problem}`, fields: [{ field: 'currency', problem }] },
        },
      };
    }

    const { event, payment } = decision;
    const type = types[event.type];
    if (!type.isValid(event.payload)) {
      throw new GatewayError(
        'INVALID_EVENT',
        `the ${event.type} built for payment ${payment.paymentId} does not fit its Avro schema`,
        { context: { eventId: event.payload.event_id } },
      );
    }
    const status = SUCCESS_STATUS[command.kind];
    const body = { ...paymentView(payment), event: emittedEvent(event) };
    const common = [
      payment.paymentId,
      event.payload.event_id,
      event.payload.entity_type,
      payment.lastSeq.toString(),
      event.type,
      toJsonValue(type, event.payload),
      request.correlationId,
      request.traceparent,
      apiKeyId,
      idempotencyKey,
      request.requestHash,
      status,
      body,
      occurredAt,
    ];
    const written =
      command.kind === 'initiate'
        ? await client.query<{ written: number }>(INITIATE_EFFECTS, [
            ...common,
            payment.state,
            payment.customerId,
            payment.merchantId,
            payment.currency,
            payment.amountMinor.toString(),
          ])
        : await client.query<{ written: number }>(TRANSITION_EFFECTS, [
            ...common,
            payment.state,
            payment.capturedMinor.toString(),
            payment.refundedMinor.toString(),
          ]);
    if (written.rows[0]?.written !== 1) {
      // Only an initiate can write nothing: another request created the same client-chosen id first.
      return {
        commit: false,
        outcome: {
          kind: 'refused',
          status: 409,
          body: { error: 'payment_exists', message: `payment ${payment.paymentId} already exists` },
        },
      };
    }
    return { commit: true, outcome: { kind: 'completed', status, body, event } };
  }

  return {
    async write(request) {
      try {
        // `begin` travels with the key's lock, and the outcome says commit or roll back: one round trip each.
        return await withTransaction(
          pool,
          async (client) => {
            const { commit, outcome } = await writeInTransaction(client, request);
            await client.query(commit ? 'commit' : 'rollback');
            return outcome;
          },
          { workSendsBeginAndCommit: true },
        );
      } catch (error) {
        // Only possible if two transactions held one key's lock, which the lock rules out; answered as "in use".
        if (
          pgErrorKind(error) === 'unique_violation' &&
          violatedConstraint(error) === 'idempotency_requests_api_key_id_idempotency_key_pk'
        ) {
          return { kind: 'key_in_use' };
        }
        throw error;
      }
    },

    async read(paymentId) {
      const { rows } = await pool.query<PaymentRow>(
        `select ${PAYMENT_COLUMNS} from gateway_payments where payment_id = $1`,
        [paymentId],
      );
      return rows[0] && toPayment(rows[0]);
    },

    async ping() {
      await pool.query('select 1');
    },
  };
}

/** Whether a failed write is worth retrying by the client (503) rather than a bug (500). */
export function isRetriableStoreError(error: unknown): boolean {
  return isTransientPgError(error) || (error instanceof GatewayError && error.retriable);
}
