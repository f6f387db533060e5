import type { EventIdentity, SqlStatement } from '@spr/idempotency';
import type { Queryable } from '@spr/ledger-db';

/** A Kafka record as the runtime sees it: bytes, where it sits, and its headers as bytes. */
export interface RawMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, readonly Buffer[]>>;
  /** Broker timestamp, epoch milliseconds. */
  readonly timestamp: number;
}

/** A message the runtime cannot apply and never will: dead-lettered with its reason code. */
export interface PoisonOutcome {
  readonly ok: false;
  readonly retriable: false;
  /** Machine-readable, e.g. BAD_MAGIC_BYTE, TRUNCATED, UNKNOWN_SCHEMA_ID, TOMBSTONE. */
  readonly reason: string;
  readonly error: string;
}

/** A failure that may pass (the schema registry is down): retried with backoff, never dead-lettered. */
export interface TransientDecodeOutcome {
  readonly ok: false;
  readonly retriable: true;
  readonly reason: string;
  readonly error: string;
}

export type DecodeOutcome<E> =
  { readonly ok: true; readonly event: E; readonly identity: EventIdentity } | PoisonOutcome | TransientDecodeOutcome;

/** Turns raw bytes into a typed event and its identity (id, entity, seq, content digest). */
export interface EventDecoder<E> {
  /** Synchronous when it can be (a cached schema); a promise otherwise. */
  decode(message: RawMessage): DecodeOutcome<E> | Promise<DecodeOutcome<E>>;
}

/** Where an event came from, for handlers that want it. */
export interface EventContext {
  readonly message: RawMessage;
  readonly identity: EventIdentity;
}

/** The domain refuses an event (an illegal transition, an amount out of range): it is dead-lettered. */
export interface Rejection {
  readonly kind: 'rejected';
  /** Machine-readable, e.g. ILLEGAL_TRANSITION. */
  readonly reason: string;
  readonly error: string;
}

export type FoldStep<S, F> =
  { readonly kind: 'applied'; readonly state: S; readonly effects: readonly F[] } | Rejection;

export interface EntityRef {
  readonly entityType: string;
  readonly entityId: string;
}

export interface EntityState<S> {
  readonly entity: EntityRef;
  readonly state: S;
  /** Whether a row existed before this chunk (insert or update). */
  readonly existed: boolean;
}

/**
 * The fast path (docs/design.md §9): per chunk, load the state of every entity in it with one query, fold each
 * entity's events in order in memory with a pure function, then write the chunk's effects set-based. The handler
 * gives its SQL as statements (values, not calls): the runtime sends the load with its own reads in one round
 * trip, and the write with its own writes in another, as one transaction (decision 0008).
 */
export interface FoldHandler<E, S, F> {
  readonly kind: 'fold';
  /** The query reading the current state of these entities (absent means never seen), and how to read its rows. */
  loadStates(entities: readonly EntityRef[]): StatesLoad<S>;
  /** Pure: the entity's next state and the effects of one event, or a rejection. */
  fold(state: S | undefined, event: E, context: EventContext): FoldStep<S, F>;
  /**
   * The statements writing the final states of the entities that changed and all effects (a handful, set-based).
   * `partition` is the one the events came from (chunks of different partitions run concurrently; shared rows can
   * be sharded by it). A failure in any of them fails the chunk's whole transaction.
   */
  write(
    changes: { readonly states: readonly EntityState<S>[]; readonly effects: readonly F[] },
    context: { readonly partition: number },
  ): SqlStatement[];
}

export interface StatesLoad<S> {
  readonly statement: SqlStatement;
  /** The states by `entityKey`, from the statement's rows. */
  read(rows: ReadonlyArray<Record<string, unknown>>): Map<string, S>;
}

/**
 * The simple path: one event at a time inside the chunk's transaction. Different entities run concurrently
 * (up to `maxLanes`), one entity strictly in order; for handlers that call slow external systems.
 */
export interface ApplyHandler<E> {
  readonly kind: 'apply';
  apply(tx: Queryable, event: E, context: EventContext): Promise<{ readonly kind: 'applied' } | Rejection>;
}

export type EventHandler<E, S = unknown, F = unknown> = FoldHandler<E, S, F> | ApplyHandler<E>;

/** The key the fold's state maps use for an entity (the same as @spr/idempotency's entityKey). */
export { entityKey } from '@spr/idempotency';
