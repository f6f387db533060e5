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

/**
 * A statement as a value: run it with `query(statement)`, or send several in one round trip
 * (@spr/consumer-runtime's `runInOneRoundTrip`). Parameters are strings, numbers or null.
 */
export interface SqlStatement {
  /** Set for statements run on their own on the hot path: each connection parses and plans them once. */
  readonly name?: string;
  readonly text: string;
  readonly values: Array<string | number | null>;
}

/**
 * SQLSTATEs raised by `spr_require(...)` (migration 0006): a write that finds the database other than its reads
 * left it fails as a whole, inside the same statement, so it can travel in one round trip with others.
 */
export const SQLSTATE = {
  /** An entity's progress moved since the chunk read it (compare-and-set lost): retry the chunk. */
  progressConflict: 'SPR01',
  /** The partition's stored offset or generation is not the claim's: fenced, or moved by an operator. */
  fenced: 'SPR02',
} as const;

/** One key per entity; a NUL cannot appear in a PostgreSQL text value, so the key is unambiguous. */
export function entityKey(entityType: string, entityId: string): string {
  return `${entityType}\u0000${entityId}`;
}
