import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, bigserial, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, int64, timestamptz } from './columns.ts';

/** Kafka headers as stored: header name to the base64 of each value (header values are bytes). */
export type StoredHeaders = Record<string, string[]>;

export const PARKED_STATUSES = ['parked', 'applied', 'released', 'dead_lettered'] as const;

/**
 * Events of an entity waiting for a missing sequence number (G1, G3). Kept raw, so a redrive decodes and applies
 * them exactly as they arrived.
 */
export const parkedEvents = pgTable(
  'parked_events',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    groupId: text('group_id').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    offset: int64('offset').notNull(),
    eventId: uuid('event_id').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    seq: int64('seq').notNull(),
    /** The sequence number the entity was waiting for when this event parked. */
    expectedSeq: int64('expected_seq').notNull(),
    key: bytea('key'),
    value: bytea('value').notNull(),
    headers: jsonb('headers').$type<StoredHeaders>().notNull(),
    status: text('status', { enum: PARKED_STATUSES }).notNull().default('parked'),
    parkedAt: timestamptz('parked_at').notNull().defaultNow(),
    resolvedAt: timestamptz('resolved_at'),
  },
  (t) => [
    check('parked_events_status', sql`${t.status} in ('parked', 'applied', 'released', 'dead_lettered')`),
    uniqueIndex('parked_events_event_id').on(t.eventId),
    index('parked_events_waiting')
      .on(t.entityType, t.entityId, t.seq)
      .where(sql`${t.status} = 'parked'`),
  ],
);

export const DEAD_LETTER_STATUSES = ['dead', 'redriven', 'discarded'] as const;

/**
 * Poison messages (G3): kept byte for byte with a reason code and the error, written in the same transaction
 * that moves the offset past them. One row per log position, so a replay does not add a second.
 */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    groupId: text('group_id').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    offset: int64('offset').notNull(),
    key: bytea('key'),
    value: bytea('value'),
    headers: jsonb('headers').$type<StoredHeaders>().notNull(),
    reasonCode: text('reason_code').notNull(),
    error: text('error').notNull(),
    eventId: uuid('event_id'),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    seq: int64('seq'),
    attempts: integer('attempts').notNull().default(1),
    status: text('status', { enum: DEAD_LETTER_STATUSES }).notNull().default('dead'),
    firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
    resolvedAt: timestamptz('resolved_at'),
  },
  (t) => [
    check('dead_letters_status', sql`${t.status} in ('dead', 'redriven', 'discarded')`),
    uniqueIndex('dead_letters_position').on(t.groupId, t.topic, t.partition, t.offset),
  ],
);
