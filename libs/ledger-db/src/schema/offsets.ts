import { sql } from 'drizzle-orm';
import { check, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { int64, timestamptz } from './columns.ts';

/**
 * The truth about consumer progress (G2): a partition's next offset, written in the same transaction as the
 * effects. `generation` fences stale members: an owner claims the partition by incrementing it on assignment,
 * and every chunk transaction updates `... WHERE next_offset = $start AND generation = $claimed`.
 * The counters account for every offset in [first_offset, next_offset) (G3).
 */
export const consumerOffsets = pgTable(
  'consumer_offsets',
  {
    groupId: text('group_id').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    nextOffset: int64('next_offset').notNull(),
    firstOffset: int64('first_offset').notNull(),
    generation: int64('generation')
      .notNull()
      .default(sql`0`),
    owner: text('owner'),
    appliedCount: int64('applied_count')
      .notNull()
      .default(sql`0`),
    duplicateCount: int64('duplicate_count')
      .notNull()
      .default(sql`0`),
    parkedCount: int64('parked_count')
      .notNull()
      .default(sql`0`),
    deadLetteredCount: int64('dead_lettered_count')
      .notNull()
      .default(sql`0`),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.topic, t.partition] }),
    check('consumer_offsets_offsets_ordered', sql`${t.firstOffset} >= 0 and ${t.nextOffset} >= ${t.firstOffset}`),
    check(
      'consumer_offsets_accounted',
      // Joined without a separator: the same text as one template (the migrations' snapshots compare it).
      sql.join([
        sql`${t.appliedCount} + ${t.duplicateCount} + ${t.parkedCount} + ${t.deadLetteredCount} <= `,
        sql`${t.nextOffset} - ${t.firstOffset}`,
      ]),
    ),
  ],
);
