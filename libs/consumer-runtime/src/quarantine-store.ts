import type { EventIdentity, Queryable } from '@spr/idempotency';
import type { StoredHeaders } from '@spr/ledger-db';
import { restoreHeaders, storeHeaders } from './message.ts';
import type { RawMessage } from './types.ts';

export interface DeadLetter {
  readonly message: RawMessage;
  readonly reasonCode: string;
  readonly error: string;
  /** What is known of the event, if it could be decoded. */
  readonly identity?: Pick<EventIdentity, 'eventId' | 'entityType' | 'entityId' | 'seq'>;
}

export interface ParkedEvent {
  readonly message: RawMessage;
  readonly identity: EventIdentity;
  readonly expectedSeq: bigint;
}

/** A parked event as stored, ready to be decoded again. */
export interface StoredParkedEvent {
  readonly id: bigint;
  readonly eventId: string;
  readonly seq: bigint;
  readonly message: RawMessage;
}

/**
 * Dead letters of a chunk, in one statement. A log position already dead-lettered (a replay reads it again)
 * keeps its row and counts another attempt.
 */
export async function insertDeadLetters(tx: Queryable, groupId: string, letters: readonly DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await tx.query(
    `insert into dead_letters (group_id, topic, partition, "offset", key, value, headers, reason_code, error, event_id, entity_type, entity_id, seq)
     select $1, * from unnest($2::text[], $3::int4[], $4::int8[], $5::bytea[], $6::bytea[], $7::jsonb[], $8::text[], $9::text[], $10::uuid[], $11::text[], $12::text[], $13::int8[])
     on conflict (group_id, topic, partition, "offset")
     do update set attempts = dead_letters.attempts + 1, reason_code = excluded.reason_code, error = excluded.error`,
    [
      groupId,
      letters.map((l) => l.message.topic),
      letters.map((l) => l.message.partition),
      letters.map((l) => l.message.offset.toString()),
      letters.map((l) => l.message.key),
      letters.map((l) => l.message.value),
      letters.map((l) => JSON.stringify(storeHeaders(l.message.headers))),
      letters.map((l) => l.reasonCode),
      letters.map((l) => l.error),
      letters.map((l) => l.identity?.eventId ?? null),
      letters.map((l) => l.identity?.entityType ?? null),
      letters.map((l) => l.identity?.entityId ?? null),
      letters.map((l) => l.identity?.seq.toString() ?? null),
    ],
  );
}

export async function insertParkedEvents(tx: Queryable, groupId: string, events: readonly ParkedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `insert into parked_events (group_id, topic, partition, "offset", event_id, entity_type, entity_id, seq, expected_seq, key, value, headers)
     select $1, * from unnest($2::text[], $3::int4[], $4::int8[], $5::uuid[], $6::text[], $7::text[], $8::int8[], $9::int8[], $10::bytea[], $11::bytea[], $12::jsonb[])`,
    [
      groupId,
      events.map((p) => p.message.topic),
      events.map((p) => p.message.partition),
      events.map((p) => p.message.offset.toString()),
      events.map((p) => p.identity.eventId),
      events.map((p) => p.identity.entityType),
      events.map((p) => p.identity.entityId),
      events.map((p) => p.identity.seq.toString()),
      events.map((p) => p.expectedSeq.toString()),
      events.map((p) => p.message.key),
      events.map((p) => p.message.value),
      events.map((p) => JSON.stringify(storeHeaders(p.message.headers))),
    ],
  );
}

/** The entity's events still waiting, in sequence order. */
export async function loadParkedEvents(tx: Queryable, entityType: string, entityId: string): Promise<StoredParkedEvent[]> {
  const { rows } = await tx.query<{ id: string; event_id: string; seq: string; topic: string; partition: number; offset: string; key: Buffer | null; value: Buffer; headers: StoredHeaders; parked_at: Date }>(
    `select id, event_id, seq, topic, partition, "offset", key, value, headers, parked_at
       from parked_events
      where entity_type = $1 and entity_id = $2 and status = 'parked'
      order by seq, id
        for update`,
    [entityType, entityId],
  );
  return rows.map((r) => ({
    id: BigInt(r.id),
    eventId: r.event_id,
    seq: BigInt(r.seq),
    message: { topic: r.topic, partition: r.partition, offset: BigInt(r.offset), key: r.key, value: r.value, headers: restoreHeaders(r.headers), timestamp: r.parked_at.getTime() },
  }));
}

export type ParkedResolution = 'applied' | 'released' | 'dead_lettered';

export async function resolveParkedEvents(tx: Queryable, ids: readonly bigint[], status: ParkedResolution): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(`update parked_events set status = $2, resolved_at = now() where id = any($1::int8[]) and status = 'parked'`, [ids.map(String), status]);
}
