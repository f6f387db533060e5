import type { Queryable } from '@spr/ledger-db';
import { classifyEvent } from './classify-event.ts';
import { IdempotencyError } from './idempotency-error.ts';
import {
  entityKey,
  type DedupeVerdict,
  type EntityProgress,
  type EventIdentity,
  type EventOutcome,
  type EventPosition,
  type SeenEvent,
  type SqlStatement,
  SQLSTATE,
} from './types.ts';

/** What a chunk transaction learns from the database before folding its events. */
export interface ChunkDedupeState {
  /** By `entityKey`; absent for entities never seen. */
  readonly progress: Map<string, EntityProgress>;
  /** By event id: the chunk's ids already recorded. */
  readonly seen: Map<string, SeenEvent>;
}

export interface ProcessedRecord {
  readonly event: EventIdentity;
  readonly position: EventPosition;
  readonly outcome: EventOutcome;
}

/** The entity's progress after a chunk, with what it was when loaded (the compare-and-set's expected value). */
export interface ProgressUpdate {
  readonly entityType: string;
  readonly entityId: string;
  readonly before: EntityProgress | undefined;
  readonly after: EntityProgress;
}

/**
 * Locks the chunk's entities (in key order, so concurrent transactions never deadlock) and reads their progress
 * and which of the chunk's event ids are already recorded: one round trip for any chunk size.
 */
export async function loadChunkDedupeState(tx: Queryable, events: readonly EventIdentity[]): Promise<ChunkDedupeState> {
  const { rows } = await tx.query(dedupeLoadStatement(events));
  return readDedupeLoad(rows);
}

/**
 * The statement behind `loadChunkDedupeState`, to send in one round trip with others; its one row is read by
 * `readDedupeLoad`. With `lock` (inside a transaction) it locks the entities, FOR UPDATE in key order. Without,
 * it only reads: the fold path's chunk, whose write's compare-and-set does the guarding (a locking read outside
 * a transaction would cost a transaction of its own, with a WAL flush at its commit, and guard nothing).
 */
export function dedupeLoadStatement(
  events: readonly EventIdentity[],
  options: { readonly lock: boolean } = { lock: true },
): SqlStatement {
  const entities = new Map<string, { entityType: string; entityId: string }>();
  for (const e of events)
    entities.set(entityKey(e.entityType, e.entityId), { entityType: e.entityType, entityId: e.entityId });
  const sorted = [...entities.values()].sort((a, b) =>
    a.entityType === b.entityType ? cmp(a.entityId, b.entityId) : cmp(a.entityType, b.entityType),
  );
  return {
    name: options.lock ? 'spr_dedupe_lock' : 'spr_dedupe_read',
    text: `select
       (select coalesce(json_agg(json_build_array(l.entity_type, l.entity_id, l.applied_seq::text,
                                                  l.parked_count)), '[]'::json)
          from (select p.entity_type, p.entity_id, p.applied_seq, p.parked_count
                  from entity_progress p
                  join jsonb_array_elements($1::jsonb) with ordinality as k(e, ord)
                    on p.entity_type = k.e->>0 and p.entity_id = k.e->>1
                 order by k.ord${options.lock ? '\n                   for update of p' : ''}) l) as progress,
       (select coalesce(json_agg(json_build_array(s.event_id, encode(s.payload_hash, 'hex'), s.outcome)), '[]'::json)
          from processed_events s
         where s.event_id in (select (jsonb_array_elements_text($2::jsonb))::uuid)) as seen`,
    values: [
      JSON.stringify(sorted.map((e) => [e.entityType, e.entityId])),
      JSON.stringify(events.map((e) => e.eventId)),
    ],
  };
}

export function readDedupeLoad(rows: ReadonlyArray<Record<string, unknown>>): ChunkDedupeState {
  const row = rows[0] as {
    progress: Array<[string, string, string, number]>;
    seen: Array<[string, string, EventOutcome]>;
  };
  const progress = new Map<string, EntityProgress>();
  for (const [entityType, entityId, appliedSeq, parkedCount] of row.progress) {
    progress.set(entityKey(entityType, entityId), { appliedSeq: BigInt(appliedSeq), parkedCount });
  }
  const seen = new Map<string, SeenEvent>();
  for (const [eventId, hash, outcome] of row.seen)
    seen.set(eventId, { payloadHash: Buffer.from(hash, 'hex'), outcome });
  return { progress, seen };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Records a chunk's processed events and the entities' new progress, set-based, in one statement. The progress
 * update is a compare-and-set against the values `loadChunkDedupeState` read: if any entity moved meanwhile, a
 * retriable PROGRESS_CONFLICT is thrown (the caller rolls back and retries the chunk).
 */
export async function writeChunkDedupe(
  tx: Queryable,
  records: readonly ProcessedRecord[],
  updates: readonly ProgressUpdate[],
): Promise<void> {
  const statement = dedupeWriteStatement(records, updates);
  if (!statement) return;
  try {
    await tx.query(statement);
  } catch (error) {
    throw asProgressConflict(error) ?? error;
  }
}

/**
 * The statement behind `writeChunkDedupe` (undefined when there is nothing to write). Its compare-and-set is
 * checked inside it: if an entity moved since it was read, it raises SQLSTATE SPR01 (see `asProgressConflict`)
 * and nothing of it, or of its transaction, is written.
 */
export function dedupeWriteStatement(
  records: readonly ProcessedRecord[],
  updates: readonly ProgressUpdate[],
): SqlStatement | undefined {
  if (records.length === 0 && updates.length === 0) return undefined;
  // Rows travel as one JSON array each: the client serialises that far faster than one escaped text array per
  // column, and jsonb_array_elements is as fast on the server.
  return {
    name: 'spr_dedupe_write',
    text: `with recorded as (
       insert into processed_events (event_id, entity_type, entity_id, seq, topic, partition, "offset", payload_hash,
                                     outcome)
       select (r->>0)::uuid, r->>1, r->>2, (r->>3)::int8, coalesce(r->>7, $2), coalesce((r->>8)::int4, $3),
              (r->>4)::int8, decode(r->>5, 'hex'), r->>6
         from jsonb_array_elements($1::jsonb) r
       returning 1
     ), input as (
       select u->>0 as entity_type, u->>1 as entity_id, (u->>2)::int8 as applied_seq, (u->>3)::int4 as parked_count,
              (u->>4)::int8 as expected_seq, (u->>5)::int4 as expected_parked
         from jsonb_array_elements($4::jsonb) u
     ), updated as (
       update entity_progress p
          set applied_seq = i.applied_seq, parked_count = i.parked_count, updated_at = now()
         from input i
        where i.expected_seq is not null
          and p.entity_type = i.entity_type and p.entity_id = i.entity_id
          and p.applied_seq = i.expected_seq and p.parked_count = i.expected_parked
       returning 1
     ), inserted as (
       insert into entity_progress (entity_type, entity_id, applied_seq, parked_count)
       select entity_type, entity_id, applied_seq, parked_count from input where expected_seq is null
       on conflict do nothing
       returning 1
     ), written as (
       select (select count(*) from recorded) as recorded,
              (select count(*) from updated) + (select count(*) from inserted) as progressed
     )
     select recorded, spr_require(progressed = $5::int8, '${SQLSTATE.progressConflict}',
                                  ($5::int8 - progressed) || ' of ' || $5
                                  || ' entities changed since they were read; retry the chunk') as progress_ok
       from written`,
    values: [
      ...processedRows(records),
      JSON.stringify(
        updates.map((u) => [
          u.entityType,
          u.entityId,
          u.after.appliedSeq.toString(),
          u.after.parkedCount,
          u.before?.appliedSeq.toString() ?? null,
          u.before?.parkedCount ?? null,
        ]),
      ),
      updates.length,
    ],
  };
}

/** The retriable PROGRESS_CONFLICT for a database error raised by a lost compare-and-set (SQLSTATE SPR01). */
export function asProgressConflict(error: unknown): IdempotencyError | undefined {
  if ((error as { code?: unknown } | undefined)?.code !== SQLSTATE.progressConflict) return undefined;
  return new IdempotencyError('PROGRESS_CONFLICT', (error as Error).message, { retriable: true, cause: error });
}

/**
 * The processed_events rows as JSON, and the topic and partition they share: those travel once as parameters
 * when every record has them, and per row otherwise.
 */
function processedRows(records: readonly ProcessedRecord[]): [string, string | null, number | null] {
  const { topic, partition } = records[0]?.position ?? { topic: null, partition: null };
  const shared = records.every((r) => r.position.topic === topic && r.position.partition === partition);
  const rows = records.map((r) => {
    const row: unknown[] = [
      r.event.eventId,
      r.event.entityType,
      r.event.entityId,
      r.event.seq.toString(),
      r.position.offset.toString(),
      r.event.payloadHash.toString('hex'),
      r.outcome,
    ];
    if (!shared) row.push(r.position.topic, r.position.partition);
    return row;
  });
  return [JSON.stringify(rows), topic, partition];
}

/**
 * The per-event path, for handlers that apply one event at a time inside their own transaction: `check` locks
 * the entity and classifies the event; after applying (or parking, or dead-lettering) it, `record` writes the
 * dedupe row and, for an applied event, advances `applied_seq` by compare-and-set.
 */
export interface DurableDedupe {
  check(tx: Queryable, event: EventIdentity): Promise<DedupeVerdict>;
  record(tx: Queryable, event: EventIdentity, position: EventPosition, outcome: EventOutcome): Promise<void>;
}

export function createDurableDedupe(): DurableDedupe {
  return {
    async check(tx, event) {
      // Create the progress row if it is missing so there is a row to lock: a concurrent delivery of the same
      // event waits here until this transaction ends, then sees its result.
      await tx.query(
        'insert into entity_progress (entity_type, entity_id, applied_seq) values ($1, $2, 0) on conflict do nothing',
        [event.entityType, event.entityId],
      );
      const state = await loadChunkDedupeState(tx, [event]);
      const key = entityKey(event.entityType, event.entityId);
      return classifyEvent(event, state.progress.get(key), state.seen.get(event.eventId));
    },

    async record(tx, event, position, outcome) {
      const state = await loadChunkDedupeState(tx, [event]);
      const before = state.progress.get(entityKey(event.entityType, event.entityId));
      const updates: ProgressUpdate[] = [];
      if (outcome === 'applied') {
        if ((before?.appliedSeq ?? 0n) + 1n !== event.seq) {
          throw new IdempotencyError(
            'INVALID_EVENT',
            `cannot record seq ${event.seq} of ${event.entityType}:${event.entityId} as applied: ` +
              `applied_seq is ${before?.appliedSeq ?? 0n}`,
            { retriable: false },
          );
        }
        updates.push({
          entityType: event.entityType,
          entityId: event.entityId,
          before,
          after: { appliedSeq: event.seq, parkedCount: before?.parkedCount ?? 0 },
        });
      } else if (outcome === 'parked') {
        const appliedSeq = before?.appliedSeq ?? 0n;
        updates.push({
          entityType: event.entityType,
          entityId: event.entityId,
          before,
          after: { appliedSeq, parkedCount: (before?.parkedCount ?? 0) + 1 },
        });
      }
      await writeChunkDedupe(tx, [{ event, position, outcome }], updates);
    },
  };
}

/** Changes the recorded outcome of events (a parked event that was applied or dead-lettered later). */
export async function reclassifyProcessed(
  tx: Queryable,
  eventIds: readonly string[],
  outcome: EventOutcome,
): Promise<void> {
  const statement = reclassifyStatement(eventIds, outcome);
  if (statement) await tx.query(statement);
}

export function reclassifyStatement(eventIds: readonly string[], outcome: EventOutcome): SqlStatement | undefined {
  if (eventIds.length === 0) return undefined;
  return {
    text:
      'update processed_events set outcome = $2 ' +
      'where event_id in (select (jsonb_array_elements_text($1::jsonb))::uuid)',
    values: [JSON.stringify(eventIds), outcome],
  };
}
