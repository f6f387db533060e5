import { classifyEvent } from './classify-event.ts';
import { IdempotencyError } from './idempotency-error.ts';
import { entityKey, type DedupeVerdict, type EntityProgress, type EventIdentity, type EventOutcome, type EventPosition, type Queryable, type SeenEvent } from './types.ts';

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
  const entities = new Map<string, { entityType: string; entityId: string }>();
  for (const e of events) entities.set(entityKey(e.entityType, e.entityId), { entityType: e.entityType, entityId: e.entityId });
  const sorted = [...entities.values()].sort((a, b) => (a.entityType === b.entityType ? cmp(a.entityId, b.entityId) : cmp(a.entityType, b.entityType)));
  const { rows } = await tx.query<{ progress: Array<[string, string, string, number]>; seen: Array<[string, string, EventOutcome]> }>(
    `select
       (select coalesce(json_agg(json_build_array(l.entity_type, l.entity_id, l.applied_seq::text, l.parked_count)), '[]'::json)
          from (select p.entity_type, p.entity_id, p.applied_seq, p.parked_count
                  from entity_progress p
                  join unnest($1::text[], $2::text[]) with ordinality as k(entity_type, entity_id, ord)
                    on p.entity_type = k.entity_type and p.entity_id = k.entity_id
                 order by k.ord
                   for update of p) l) as progress,
       (select coalesce(json_agg(json_build_array(s.event_id, encode(s.payload_hash, 'hex'), s.outcome)), '[]'::json)
          from processed_events s
         where s.event_id = any($3::uuid[])) as seen`,
    [sorted.map((e) => e.entityType), sorted.map((e) => e.entityId), events.map((e) => e.eventId)],
  );
  const progress = new Map<string, EntityProgress>();
  for (const [entityType, entityId, appliedSeq, parkedCount] of rows[0]!.progress) {
    progress.set(entityKey(entityType, entityId), { appliedSeq: BigInt(appliedSeq), parkedCount });
  }
  const seen = new Map<string, SeenEvent>();
  for (const [eventId, hash, outcome] of rows[0]!.seen) seen.set(eventId, { payloadHash: Buffer.from(hash, 'hex'), outcome });
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
export async function writeChunkDedupe(tx: Queryable, records: readonly ProcessedRecord[], updates: readonly ProgressUpdate[]): Promise<void> {
  if (records.length === 0 && updates.length === 0) return;
  const result = await tx.query<{ updated: string; inserted: string }>(
    `with recorded as (
       insert into processed_events (event_id, entity_type, entity_id, seq, topic, partition, "offset", payload_hash, outcome)
       select r.event_id, r.entity_type, r.entity_id, r.seq, coalesce(r.topic, $10), coalesce(r.partition, $11), r."offset", r.payload_hash, r.outcome
         from unnest($1::uuid[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::int4[], $7::int8[], $8::bytea[], $9::text[])
           as r(event_id, entity_type, entity_id, seq, topic, partition, "offset", payload_hash, outcome)
       returning 1
     ), input as (
       select * from unnest($12::text[], $13::text[], $14::int8[], $15::int4[], $16::int8[], $17::int4[])
         as t(entity_type, entity_id, applied_seq, parked_count, expected_seq, expected_parked)
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
     )
     select (select count(*) from recorded) as recorded, (select count(*) from updated) as updated, (select count(*) from inserted) as inserted`,
    [
      ...sharedPosition(records),
      updates.map((u) => u.entityType),
      updates.map((u) => u.entityId),
      updates.map((u) => u.after.appliedSeq.toString()),
      updates.map((u) => u.after.parkedCount),
      updates.map((u) => u.before?.appliedSeq.toString() ?? null),
      updates.map((u) => u.before?.parkedCount ?? null),
    ],
  );
  const written = Number(result.rows[0]!.updated) + Number(result.rows[0]!.inserted);
  if (written !== updates.length) {
    throw new IdempotencyError('PROGRESS_CONFLICT', `${updates.length - written} of ${updates.length} entities changed since they were read; retry the chunk`, {
      retriable: true,
    });
  }
}

/** The parameters of the processed_events insert; topic and partition are scalars when every record shares them. */
function sharedPosition(records: readonly ProcessedRecord[]): unknown[] {
  const { topic, partition } = records[0]?.position ?? { topic: null, partition: null };
  const shared = records.every((r) => r.position.topic === topic && r.position.partition === partition);
  return [
    records.map((r) => r.event.eventId),
    records.map((r) => r.event.entityType),
    records.map((r) => r.event.entityId),
    records.map((r) => r.event.seq.toString()),
    shared ? null : records.map((r) => r.position.topic),
    shared ? null : records.map((r) => r.position.partition),
    records.map((r) => r.position.offset.toString()),
    records.map((r) => r.event.payloadHash),
    records.map((r) => r.outcome),
    topic,
    partition,
  ];
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
      await tx.query('insert into entity_progress (entity_type, entity_id, applied_seq) values ($1, $2, 0) on conflict do nothing', [event.entityType, event.entityId]);
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
          throw new IdempotencyError('INVALID_EVENT', `cannot record seq ${event.seq} of ${event.entityType}:${event.entityId} as applied: applied_seq is ${before?.appliedSeq ?? 0n}`, { retriable: false });
        }
        updates.push({ entityType: event.entityType, entityId: event.entityId, before, after: { appliedSeq: event.seq, parkedCount: before?.parkedCount ?? 0 } });
      } else if (outcome === 'parked') {
        const appliedSeq = before?.appliedSeq ?? 0n;
        updates.push({ entityType: event.entityType, entityId: event.entityId, before, after: { appliedSeq, parkedCount: (before?.parkedCount ?? 0) + 1 } });
      }
      await writeChunkDedupe(tx, [{ event, position, outcome }], updates);
    },
  };
}

/** Changes the recorded outcome of events (a parked event that was applied or dead-lettered later). */
export async function reclassifyProcessed(tx: Queryable, eventIds: readonly string[], outcome: EventOutcome): Promise<void> {
  if (eventIds.length === 0) return;
  await tx.query('update processed_events set outcome = $2 where event_id = any($1::uuid[])', [eventIds, outcome]);
}
