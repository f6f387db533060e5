import {
  asProgressConflict,
  classifyEvent,
  dedupeLoadStatement,
  dedupeWriteStatement,
  entityKey,
  readDedupeLoad,
  reclassifyStatement,
  type EntityProgress,
  type EventIdentity,
  type ProcessedRecord,
  type ProgressUpdate,
  type RecentEventWindow,
  type SeenEvent,
  type SqlStatement,
} from '@spr/idempotency';
import { isTransientPgError, withClient, withTransaction, type Queryable } from '@spr/ledger-db';
import type pg from 'pg';
import type { FaultInjector } from './fault-points.ts';
import {
  isFenceError,
  offsetAdvanceStatement,
  readPartitionOffset,
  type ChunkCounts,
  type PartitionClaim,
  type PartitionRef,
} from './offset-store.ts';
import { runInOneRoundTrip } from './one-round-trip.ts';
import {
  deadLettersStatement,
  loadParkedEvents,
  parkedEventsStatement,
  resolveParkedStatement,
  type DeadLetter,
  type ParkedEvent,
} from './quarantine-store.ts';
import { RuntimeError } from './runtime-error.ts';
import type {
  EntityRef,
  EntityState,
  EventContext,
  EventDecoder,
  EventHandler,
  PoisonOutcome,
  RawMessage,
  Rejection,
} from './types.ts';

/** A fetched message with its decoding (transient failures were retried before a chunk is built). */
export interface PreparedMessage<E> {
  readonly message: RawMessage;
  readonly decoded: { readonly ok: true; readonly event: E; readonly identity: EventIdentity } | PoisonOutcome;
}

export interface ChunkProcessorContext<E, S, F> {
  readonly pool: pg.Pool;
  readonly ref: PartitionRef;
  readonly handler: EventHandler<E, S, F>;
  /** Decodes parked events when their entity can move again. */
  readonly decoder: EventDecoder<E>;
  /** Concurrent entity lanes for an `apply` handler. */
  readonly maxLanes: number;
  readonly faults: FaultInjector;
  readonly window?: RecentEventWindow;
  /** Told when a transaction starts and ends (backpressure), and how long the pool made it wait. */
  readonly observe?: {
    poolWait(ms: number): void;
    transactionStarted(id: number): void;
    transactionEnded(id: number, ms: number): void;
  };
}

export type ChunkResult =
  | {
      readonly kind: 'committed';
      readonly nextOffset: bigint;
      /**
       * When its first statement was sent and when its commit returned (epoch milliseconds, sub-millisecond
       * precision).
       */
      readonly beganAt: number;
      readonly committedAt: number;
      readonly counts: ChunkCounts;
      readonly deadLetterReasons: readonly string[];
      /** Event ids now durably recorded, for the recent-event window. */
      readonly recorded: ReadonlyArray<{ readonly eventId: string; readonly payloadHash: Buffer }>;
    }
  | { readonly kind: 'fenced'; readonly stored: PartitionClaim | undefined }
  | { readonly kind: 'reposition'; readonly nextOffset: bigint };

let transactionIds = 0;
const epochNow = () => performance.timeOrigin + performance.now();
const BEGIN: SqlStatement = { text: 'begin', values: [] };
const COMMIT: SqlStatement = { text: 'commit', values: [] };

/**
 * One chunk transaction (docs/design.md §2, §5, §9; decision 0008): classifies every event against the durable
 * dedupe state, folds (or applies) each entity's events in order, and writes the effects, dedupe rows, entity
 * progress, dead letters, parked events and the fenced offset update in ONE PostgreSQL transaction.
 * `messages` are contiguous offsets starting at `claim.nextOffset`.
 *
 * A fold handler's chunk takes two round trips: one reads (dedupe state and entity states), one writes (every
 * statement in one simple-protocol query, which PostgreSQL runs as one implicit transaction). Nothing is locked
 * in between; the write guards itself: its first statement is the fence (the stored offset and generation must
 * still be the claim's, else SQLSTATE SPR02), and the progress compare-and-set fails it (SPR01, retried) if an
 * entity moved since the read. Either failure rolls the whole write back. An apply handler's statements run
 * between the two inside BEGIN … COMMIT, with the entities locked by the read.
 */
export async function processChunk<E, S, F>(
  ctx: ChunkProcessorContext<E, S, F>,
  claim: PartitionClaim,
  messages: readonly PreparedMessage<E>[],
): Promise<ChunkResult> {
  const waitStart = performance.now();
  const inBlock = ctx.handler.kind === 'apply';
  let txId = 0;
  let txStart: number | undefined;
  const chunk = async (client: pg.PoolClient): Promise<ChunkResult> => {
    ctx.observe?.poolWait(performance.now() - waitStart);
    txId = ++transactionIds;
    txStart = performance.now();
    ctx.observe?.transactionStarted(txId);
    const beganAt = epochNow();
    const plan = await planChunk(ctx, client, messages, { begin: inBlock });
    if (ctx.faults.shouldFail('mid-insert')) ctx.faults.trip('mid-insert');
    const end = messages.at(-1)!.message.offset + 1n;
    // The fence first: a member whose claim no longer holds writes nothing, and waits for no entity's lock.
    const write = [
      offsetAdvanceStatement(ctx.ref, claim, end, plan.counts),
      ...planStatements(ctx, plan),
      ...(inBlock ? [COMMIT] : []),
    ];
    if (ctx.faults.shouldFail('before-commit')) ctx.faults.trip('before-commit');
    try {
      if (ctx.faults.shouldFail('during-commit')) {
        // The write (and its commit) is on the wire when the process dies: it may or may not have landed.
        const committing = runInOneRoundTrip(client, write);
        ctx.faults.trip('during-commit');
        await committing;
      } else {
        await runInOneRoundTrip(client, write);
      }
    } catch (error) {
      if (!isFenceError(error)) throw error;
      if (inBlock) await client.query('rollback');
      const stored = await readPartitionOffset(client, ctx.ref);
      if (stored && stored.generation === claim.generation && stored.nextOffset !== claim.nextOffset)
        return { kind: 'reposition', nextOffset: stored.nextOffset };
      return { kind: 'fenced', stored };
    }
    const committedAt = epochNow();
    if (ctx.faults.shouldFail('after-commit')) ctx.faults.trip('after-commit');
    return {
      kind: 'committed',
      nextOffset: end,
      beganAt,
      committedAt,
      counts: plan.counts,
      deadLetterReasons: plan.deadLetters.map((d) => d.reasonCode),
      recorded: plan.recorded,
    };
  };
  try {
    // Only the apply path holds a block; a fold chunk's failed write has already rolled itself back. Either way a
    // client whose connection broke is destroyed, not returned to the pool.
    return await (inBlock
      ? withTransaction(ctx.pool, chunk, { workSendsBeginAndCommit: true })
      : withClient(ctx.pool, chunk));
  } catch (error) {
    if (txStart === undefined) throw error; // no client: the pool's own error
    const conflict = asProgressConflict(error);
    if (conflict) throw conflict;
    throw isTransientPgError(error)
      ? new RuntimeError('TRANSIENT', `chunk transaction failed: ${(error as Error).message}`, { cause: error })
      : error;
  } finally {
    if (txStart !== undefined) ctx.observe?.transactionEnded(txId, performance.now() - txStart);
  }
}

/** Everything a chunk will write, decided in memory. */
export interface ChunkPlan<S, F> {
  readonly counts: { applied: number; duplicates: number; parked: number; deadLettered: number };
  readonly processed: ProcessedRecord[];
  readonly progress: ProgressUpdate[];
  readonly states: EntityState<S>[];
  readonly effects: F[];
  readonly deadLetters: DeadLetter[];
  readonly parked: ParkedEvent[];
  /** Previously parked events (rows) that were applied, or dead-lettered, in this chunk. */
  readonly drainedApplied: bigint[];
  readonly drainedDeadLettered: bigint[];
  /** Event ids whose recorded outcome changes from parked. */
  readonly reclassifiedApplied: string[];
  readonly reclassifiedDeadLettered: string[];
  readonly recorded: Array<{ eventId: string; payloadHash: Buffer }>;
}

type Decoded<E> = { readonly ok: true; readonly event: E; readonly identity: EventIdentity };

/** What processing an entity's events needs: the handler, and the decoder for parked events. */
export type LaneContext<E, S, F> = Pick<ChunkProcessorContext<E, S, F>, 'handler' | 'decoder'>;

export interface LaneItem<E> {
  readonly message: RawMessage;
  readonly decoded: Decoded<E>;
}

export function emptyPlan<S, F>(): ChunkPlan<S, F> {
  return {
    counts: { applied: 0, duplicates: 0, parked: 0, deadLettered: 0 },
    processed: [],
    progress: [],
    states: [],
    effects: [],
    deadLetters: [],
    parked: [],
    drainedApplied: [],
    drainedDeadLettered: [],
    reclassifiedApplied: [],
    reclassifiedDeadLettered: [],
    recorded: [],
  };
}

async function planChunk<E, S, F>(
  ctx: ChunkProcessorContext<E, S, F>,
  db: Queryable,
  messages: readonly PreparedMessage<E>[],
  options: { begin: boolean },
): Promise<ChunkPlan<S, F>> {
  const plan = emptyPlan<S, F>();

  // Poison and known duplicates are settled without touching the database; the rest go to entity lanes.
  const lanes = new Map<string, LaneItem<E>[]>();
  for (const { message, decoded } of messages) {
    if (!decoded.ok) {
      plan.deadLetters.push({ message, reasonCode: decoded.reason, error: decoded.error });
      plan.counts.deadLettered++;
      continue;
    }
    if (ctx.window?.isKnownDuplicate(decoded.identity.eventId, decoded.identity.payloadHash)) {
      plan.counts.duplicates++;
      continue;
    }
    const key = entityKey(decoded.identity.entityType, decoded.identity.entityId);
    const lane = lanes.get(key);
    if (lane) lane.push({ message, decoded });
    else lanes.set(key, [{ message, decoded }]);
  }
  if (lanes.size === 0) {
    if (options.begin) await db.query('begin');
    return plan;
  }

  // One round trip reads the dedupe state and the entities' states (and opens the apply path's block).
  const handler = ctx.handler;
  const identities = [...lanes.values()].flatMap((items) => items.map((i) => i.decoded.identity));
  const statesLoad =
    handler.kind === 'fold'
      ? handler.loadStates(
          [...lanes.values()].map(([first]) => ({
            entityType: first!.decoded.identity.entityType,
            entityId: first!.decoded.identity.entityId,
          })),
        )
      : undefined;
  const results = await runInOneRoundTrip(db, [
    ...(options.begin ? [BEGIN] : []),
    dedupeLoadStatement(identities, { lock: options.begin }),
    ...(statesLoad ? [statesLoad.statement] : []),
  ]);
  const read = results.slice(options.begin ? 1 : 0);
  const dedupe = readDedupeLoad(read[0]!.rows);
  const states = statesLoad ? statesLoad.read(read[1]!.rows) : new Map<string, S>();

  const runLane = (db: Queryable, key: string, items: LaneItem<E>[]) =>
    processLane(ctx, db, plan, {
      items,
      before: dedupe.progress.get(key),
      seen: dedupe.seen,
      state: states.get(key),
      existed: states.has(key),
    });
  if (handler.kind === 'fold' || ctx.maxLanes <= 1) {
    for (const [key, items] of lanes) await runLane(db, key, items);
  } else {
    // Lanes wait on their external calls concurrently; their statements share the one connection in turn.
    const serial = oneQueryAtATime(db);
    await runConcurrently([...lanes], ctx.maxLanes, ([key, items]) => runLane(serial, key, items));
  }
  return plan;
}

export interface LaneInput<E, S> {
  /** The entity's events of this chunk, in log order (none for a redrive). */
  readonly items: readonly LaneItem<E>[];
  readonly entity?: EntityRef;
  /** The entity's progress as loaded (the compare-and-set's expected value). */
  readonly before: EntityProgress | undefined;
  /** Where processing starts, if not at `before` (an operator releasing a gap). */
  readonly start?: EntityProgress;
  readonly seen: Map<string, SeenEvent>;
  readonly state: S | undefined;
  readonly existed: boolean;
  /** Try the parked events first (a redrive). */
  readonly drainFirst?: boolean;
}

/** One entity's events of the chunk, strictly in log order, then any parked events that can now follow. */
export async function processLane<E, S, F>(
  ctx: LaneContext<E, S, F>,
  tx: Queryable,
  plan: ChunkPlan<S, F>,
  input: LaneInput<E, S>,
): Promise<void> {
  const { items, before, seen, existed } = input;
  const entity: EntityRef = input.entity ?? {
    entityType: items[0]!.decoded.identity.entityType,
    entityId: items[0]!.decoded.identity.entityId,
  };
  let progress: EntityProgress = input.start ?? before ?? { appliedSeq: 0n, parkedCount: 0 };
  let state = input.state;
  let stateChanged = false;
  /** Events parked by this chunk, drained again if their predecessor arrives later in the same chunk. */
  const parkedHere: Array<{ item: LaneItem<E>; record: ProcessedRecord; parked: ParkedEvent; drained: boolean }> = [];

  const execute = async (item: LaneItem<E>): Promise<{ kind: 'applied' } | Rejection> => {
    const context: EventContext = { message: item.message, identity: item.decoded.identity };
    if (ctx.handler.kind === 'apply') return ctx.handler.apply(tx, item.decoded.event, context);
    const step = ctx.handler.fold(state, item.decoded.event, context);
    if (step.kind === 'applied') {
      state = step.state;
      stateChanged = true;
      for (const effect of step.effects) plan.effects.push(effect);
    }
    return step;
  };

  /** Applies (or dead-letters) parked events while they continue the sequence. */
  const drain = async () => {
    if (progress.parkedCount === 0) return;
    const waiting: Array<{
      seq: bigint;
      fromChunk?: (typeof parkedHere)[number];
      stored?: { id: bigint; eventId: string; message: RawMessage };
    }> = [...parkedHere.filter((p) => !p.drained).map((p) => ({ seq: p.item.decoded.identity.seq, fromChunk: p }))];
    const storedCount = progress.parkedCount - waiting.length;
    if (storedCount > 0) {
      for (const stored of await loadParkedEvents(tx, entity.entityType, entity.entityId))
        waiting.push({ seq: stored.seq, stored });
    }
    waiting.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    for (const next of waiting) {
      if (next.seq !== progress.appliedSeq + 1n) break;
      let item: LaneItem<E> | undefined = next.fromChunk?.item;
      let poison: PoisonOutcome | undefined;
      if (next.stored) {
        const decoded = await ctx.decoder.decode(next.stored.message);
        if (decoded.ok) item = { message: next.stored.message, decoded };
        else if (decoded.retriable)
          throw new RuntimeError('TRANSIENT', `decoding parked event ${next.stored.eventId}: ${decoded.error}`);
        else poison = decoded;
      }
      const outcome = item
        ? await execute(item)
        : { kind: 'rejected' as const, reason: poison!.reason, error: poison!.error };
      progress = { appliedSeq: next.seq, parkedCount: progress.parkedCount - 1 };
      const applied = outcome.kind === 'applied';
      if (next.fromChunk) {
        next.fromChunk.drained = true;
        // The event never left this chunk: record it with its final outcome, count its offset once.
        plan.processed.push({ ...next.fromChunk.record, outcome: applied ? 'applied' : 'dead_lettered' });
        plan.counts.parked--;
        if (applied) plan.counts.applied++;
        else plan.counts.deadLettered++;
      } else {
        (applied ? plan.drainedApplied : plan.drainedDeadLettered).push(next.stored!.id);
        (applied ? plan.reclassifiedApplied : plan.reclassifiedDeadLettered).push(next.stored!.eventId);
      }
      if (!applied) {
        const message = item?.message ?? next.stored!.message;
        plan.deadLetters.push({
          message,
          reasonCode: outcome.reason,
          error: outcome.error,
          identity: item?.decoded.identity,
        });
      }
    }
  };

  if (input.drainFirst) await drain();
  for (const item of items) {
    const identity = item.decoded.identity;
    const verdict = classifyEvent(identity, progress, seen.get(identity.eventId));
    const record: ProcessedRecord = { event: identity, position: item.message, outcome: 'applied' };
    switch (verdict.kind) {
      case 'duplicate':
        plan.counts.duplicates++;
        break;
      case 'conflict':
        plan.deadLetters.push({
          message: item.message,
          reasonCode: verdict.reason,
          error: `event id ${identity.eventId} was recorded (${verdict.recordedOutcome}) with different content`,
          identity,
        });
        plan.counts.deadLettered++;
        break;
      case 'gap': {
        const parked: ParkedEvent = { message: item.message, identity, expectedSeq: verdict.expectedSeq };
        parkedHere.push({ item, record: { ...record, outcome: 'parked' }, parked, drained: false });
        progress = { ...progress, parkedCount: progress.parkedCount + 1 };
        seen.set(identity.eventId, { payloadHash: identity.payloadHash, outcome: 'parked' });
        plan.counts.parked++;
        break;
      }
      case 'apply': {
        const outcome = await execute(item);
        progress = { ...progress, appliedSeq: identity.seq };
        if (outcome.kind === 'applied') {
          plan.processed.push(record);
          plan.counts.applied++;
        } else {
          // The domain refused it: dead-lettered, and its sequence number is spent so the entity moves on.
          plan.processed.push({ ...record, outcome: 'dead_lettered' });
          plan.deadLetters.push({ message: item.message, reasonCode: outcome.reason, error: outcome.error, identity });
          plan.counts.deadLettered++;
        }
        seen.set(identity.eventId, {
          payloadHash: identity.payloadHash,
          outcome: outcome.kind === 'applied' ? 'applied' : 'dead_lettered',
        });
        await drain();
        break;
      }
    }
  }

  for (const p of parkedHere) {
    if (p.drained) continue;
    plan.processed.push(p.record);
    plan.parked.push(p.parked);
  }
  for (const item of items)
    plan.recorded.push({ eventId: item.decoded.identity.eventId, payloadHash: item.decoded.identity.payloadHash });
  if (!before || before.appliedSeq !== progress.appliedSeq || before.parkedCount !== progress.parkedCount) {
    plan.progress.push({ ...entity, before, after: progress });
  }
  if (stateChanged) plan.states.push({ entity, state: state as S, existed });
}

/** Everything a plan decided to write except the offset (the chunk adds the fence; a redrive has none). */
export function planStatements<E, S, F>(
  ctx: LaneContext<E, S, F> & { readonly ref: Pick<PartitionRef, 'groupId' | 'partition'> },
  plan: ChunkPlan<S, F>,
): SqlStatement[] {
  const handler = ctx.handler;
  const effects =
    handler.kind === 'fold' && (plan.states.length > 0 || plan.effects.length > 0)
      ? handler.write({ states: plan.states, effects: plan.effects }, { partition: ctx.ref.partition })
      : [];
  return [
    dedupeWriteStatement(plan.processed, plan.progress),
    reclassifyStatement(plan.reclassifiedApplied, 'applied'),
    reclassifyStatement(plan.reclassifiedDeadLettered, 'dead_lettered'),
    ...effects,
    deadLettersStatement(ctx.ref.groupId, plan.deadLetters),
    parkedEventsStatement(ctx.ref.groupId, plan.parked),
    resolveParkedStatement(plan.drainedApplied, 'applied'),
    resolveParkedStatement(plan.drainedDeadLettered, 'dead_lettered'),
  ].filter((statement): statement is SqlStatement => statement !== undefined);
}

/** Writes a plan (a redrive's, inside its transaction) in one round trip. */
export async function writePlan<E, S, F>(
  ctx: LaneContext<E, S, F> & { readonly ref: Pick<PartitionRef, 'groupId' | 'partition'> },
  tx: Queryable,
  plan: ChunkPlan<S, F>,
): Promise<void> {
  try {
    await runInOneRoundTrip(tx, planStatements(ctx, plan));
  } catch (error) {
    throw asProgressConflict(error) ?? error;
  }
}

/**
 * The same connection, with each statement sent only once the one before it has finished: a connection runs one
 * statement at a time anyway, and node-postgres is deprecating queueing them itself.
 */
function oneQueryAtATime(tx: Queryable): Queryable {
  let last: Promise<unknown> = Promise.resolve();
  const query = (...args: unknown[]) => {
    const next = last.then(() => (tx.query as (...a: unknown[]) => Promise<unknown>)(...args));
    last = next.catch(() => undefined);
    return next;
  };
  return { query } as Queryable;
}

async function runConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
