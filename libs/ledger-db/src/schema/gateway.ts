import { sql } from 'drizzle-orm';
import {
  bigserial,
  char,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { int64, timestamptz } from './columns.ts';
import { PAYMENT_STATES } from './ledger.ts';

/**
 * The gateway's own record of each payment (the command side): the state machine that accepts or refuses a
 * request, and the entity's last allocated sequence number. Written with the outbox row in one transaction.
 */
export const gatewayPayments = pgTable(
  'gateway_payments',
  {
    paymentId: text('payment_id').primaryKey(),
    state: text('state', { enum: PAYMENT_STATES }).notNull(),
    customerId: text('customer_id').notNull(),
    merchantId: text('merchant_id').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    amountMinor: int64('amount_minor').notNull(),
    capturedMinor: int64('captured_minor')
      .notNull()
      .default(sql`0`),
    refundedMinor: int64('refunded_minor')
      .notNull()
      .default(sql`0`),
    lastSeq: int64('last_seq').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check(
      'gateway_payments_state',
      sql`${t.state} in ('initiated', 'authorized', 'captured', 'refunded', 'failed', 'cancelled')`,
    ),
    check(
      'gateway_payments_amounts',
      // Joined without a separator: the same text as one template (the migrations' snapshots compare it).
      sql.join([
        sql`${t.amountMinor} > 0 and ${t.capturedMinor} >= 0 and ${t.refundedMinor} >= 0 and `,
        sql`${t.capturedMinor} <= ${t.amountMinor} and ${t.refundedMinor} <= ${t.capturedMinor}`,
      ]),
    ),
    check('gateway_payments_last_seq', sql`${t.lastSeq} > 0`),
  ],
);

export const IDEMPOTENCY_STATUSES = ['in_progress', 'completed'] as const;

/** One row per (API key, Idempotency-Key): the request's fingerprint and, once done, the response to replay. */
export const idempotencyRequests = pgTable(
  'idempotency_requests',
  {
    apiKeyId: text('api_key_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: text('status', { enum: IDEMPOTENCY_STATUSES }).notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    completedAt: timestamptz('completed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.apiKeyId, t.idempotencyKey] }),
    check('idempotency_requests_status', sql`${t.status} in ('in_progress', 'completed')`),
  ],
);

/**
 * Transactional outbox: the event to publish, written in the same transaction as the state change and its
 * sequence number. The relay publishes unpublished rows in (entity, seq) order and stamps `published_at`.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    eventId: uuid('event_id').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    seq: int64('seq').notNull(),
    eventType: text('event_type').notNull(),
    /**
     * The event in the contract's JSON form (longs as decimal strings, timestamps as ISO-8601), encoded to Avro at
     * publish time.
     */
    payload: jsonb('payload').notNull(),
    correlationId: text('correlation_id').notNull(),
    traceparent: text('traceparent'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    publishedAt: timestamptz('published_at'),
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [
    uniqueIndex('outbox_event_id').on(t.eventId),
    uniqueIndex('outbox_entity_seq').on(t.entityType, t.entityId, t.seq),
    index('outbox_unpublished')
      .on(t.id)
      .where(sql`${t.publishedAt} is null`),
  ],
);
