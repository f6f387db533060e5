import type pg from 'pg';

/** What dedupe needs to know about an event: who it is for, where it sits in the entity's sequence. */
export interface EventIdentity {
  readonly eventId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly seq: bigint;
  /** A digest of the event's content: tells a redelivery from a different event reusing the id. */
  readonly payloadHash: Buffer;
}

/** Where the event was read from. */
export interface EventPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export interface EntityProgress {
  readonly appliedSeq: bigint;
  /** Events of the entity waiting in parked_events. */
  readonly parkedCount: number;
}

export type EventOutcome = 'applied' | 'parked' | 'dead_lettered';

/** An event id already recorded in processed_events. */
export interface SeenEvent {
  readonly payloadHash: Buffer;
  readonly outcome: EventOutcome;
}

/**
 * The expected outcomes of dedupe, as data (never exceptions):
 * - `apply`: new event id and the entity's next sequence number;
 * - `duplicate`: the id was recorded before with the same content, or the sequence number is already applied;
 * - `gap`: a sequence number is missing before this one; the event must park;
 * - `conflict`: the id was recorded before with different content (a producer bug): dead-letter it.
 */
export type DedupeVerdict =
  | { readonly kind: 'apply' }
  | { readonly kind: 'duplicate'; readonly by: 'event_id' | 'seq' }
  | { readonly kind: 'gap'; readonly expectedSeq: bigint }
  | { readonly kind: 'conflict'; readonly reason: 'EVENT_ID_REUSED'; readonly recordedOutcome: EventOutcome };

/** Anything that runs SQL: a pool client inside the caller's transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** One key per entity; a NUL cannot appear in a PostgreSQL text value, so the key is unambiguous. */
export function entityKey(entityType: string, entityId: string): string {
  return `${entityType}\u0000${entityId}`;
}
