import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, int64, timestamptz } from './columns.ts';

export const EVENT_OUTCOMES = ['applied', 'parked', 'dead_lettered'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

/**
 * Durable dedupe (G2): one row per event id ever seen, with where it came from and what became of it. The
 * payload hash tells a redelivery (same id, same payload) from an id reused for a different payload (poison).
 */
export const processedEvents = pgTable(
  'processed_events',
  {
    eventId: uuid('event_id').primaryKey(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    seq: int64('seq').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    offset: int64('offset').notNull(),
    payloadHash: bytea('payload_hash').notNull(),
    outcome: text('outcome', { enum: EVENT_OUTCOMES }).notNull(),
    processedAt: timestamptz('processed_at').notNull().defaultNow(),
  },
  (t) => [
    check('processed_events_outcome', sql`${t.outcome} in ('applied', 'parked', 'dead_lettered')`),
    check('processed_events_seq_positive', sql`${t.seq} > 0`),
    // G1 in the database: an entity's sequence number is applied at most once.
    uniqueIndex('processed_events_applied_seq')
      .on(t.entityType, t.entityId, t.seq)
      .where(sql`${t.outcome} = 'applied'`),
    index('processed_events_position').on(t.topic, t.partition, t.offset),
  ],
);

/**
 * Per-entity progress (G1): the last applied sequence number, advanced by compare-and-set, and how many of the
 * entity's events wait in parked_events (greater than zero means later events park behind them).
 */
export const entityProgress = pgTable(
  'entity_progress',
  {
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    appliedSeq: int64('applied_seq').notNull(),
    parkedCount: integer('parked_count').notNull().default(0),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.entityType, t.entityId] }),
    check('entity_progress_applied_seq', sql`${t.appliedSeq} >= 0`),
    check('entity_progress_parked_count', sql`${t.parkedCount} >= 0`),
  ],
);
