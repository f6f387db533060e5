import type { EventIdentity, SqlStatement } from '@spr/idempotency';
import type { Queryable, StoredHeaders } from '@spr/ledger-db';
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

const hex = (bytes: Buffer | null) => (bytes === null ? null : bytes.toString('hex'));

/**
 * Dead letters of a chunk, in one statement (rows as one JSON array, bytes as hex). A log position already
 * dead-lettered (a replay reads it again) keeps its row and counts another attempt.
 */
export function deadLettersStatement(groupId: string, letters: readonly DeadLetter[]): SqlStatement | undefined {
  if (letters.length === 0) return undefined;
  return {
    text: `insert into dead_letters (group_id, topic, partition, "offset", key, value, headers, reason_code, error,
                              event_id, entity_type, entity_id, seq)
     select $1, d->>0, (d->>1)::int4, (d->>2)::int8, decode(d->>3, 'hex'), decode(d->>4, 'hex'), d->5, d->>6, d->>7,
            (d->>8)::uuid, d->>9, d->>10, (d->>11)::int8
       from jsonb_array_elements($2::jsonb) d
     on conflict (group_id, topic, partition, "offset")
     do update set attempts = dead_letters.attempts + 1, reason_code = excluded.reason_code, error = excluded.error`,
    values: [
      groupId,
      JSON.stringify(
        letters.map((l) => [
          l.message.topic,
          l.message.partition,
          l.message.offset.toString(),
          hex(l.message.key),
          hex(l.message.value),
          storeHeaders(l.message.headers),
          l.reasonCode,
          l.error,
          l.identity?.eventId ?? null,
          l.identity?.entityType ?? null,
          l.identity?.entityId ?? null,
          l.identity?.seq.toString() ?? null,
        ]),
      ),
    ],
  };
}

export function parkedEventsStatement(groupId: string, events: readonly ParkedEvent[]): SqlStatement | undefined {
  if (events.length === 0) return undefined;
  return {
    text: `insert into parked_events (group_id, topic, partition, "offset", event_id, entity_type, entity_id, seq,
                               expected_seq, key, value, headers)
     select $1, e->>0, (e->>1)::int4, (e->>2)::int8, (e->>3)::uuid, e->>4, e->>5, (e->>6)::int8, (e->>7)::int8,
            decode(e->>8, 'hex'), decode(e->>9, 'hex'), e->10
       from jsonb_array_elements($2::jsonb) e`,
    values: [
      groupId,
      JSON.stringify(
        events.map((p) => [
          p.message.topic,
          p.message.partition,
          p.message.offset.toString(),
          p.identity.eventId,
          p.identity.entityType,
          p.identity.entityId,
          p.identity.seq.toString(),
          p.expectedSeq.toString(),
          hex(p.message.key),
          hex(p.message.value),
          storeHeaders(p.message.headers),
        ]),
      ),
    ],
  };
}

/** The entity's events still waiting, in sequence order. */
export async function loadParkedEvents(
  tx: Queryable,
  entityType: string,
  entityId: string,
): Promise<StoredParkedEvent[]> {
  const { rows } = await tx.query<{
    id: string;
    event_id: string;
    seq: string;
    topic: string;
    partition: number;
    offset: string;
    key: Buffer | null;
    value: Buffer;
    headers: StoredHeaders;
    parked_at: Date;
  }>(
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
    message: {
      topic: r.topic,
      partition: r.partition,
      offset: BigInt(r.offset),
      key: r.key,
      value: r.value,
      headers: restoreHeaders(r.headers),
      timestamp: r.parked_at.getTime(),
    },
  }));
}

export type ParkedResolution = 'applied' | 'released' | 'dead_lettered';

export function resolveParkedStatement(ids: readonly bigint[], status: ParkedResolution): SqlStatement | undefined {
  if (ids.length === 0) return undefined;
  return {
    text: `update parked_events set status = $2, resolved_at = now()
            where id in (select (jsonb_array_elements_text($1::jsonb))::int8) and status = 'parked'`,
    values: [JSON.stringify(ids.map(String)), status],
  };
}
