import { SQLSTATE, type SqlStatement } from '@spr/idempotency';
import type { Queryable } from '@spr/ledger-db';

export interface PartitionRef {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionClaim {
  /** Where this member must start reading. */
  readonly nextOffset: bigint;
  /** The fencing epoch this member's transactions must still hold when they commit. */
  readonly generation: bigint;
}

/** How a chunk's offsets ended, added to the partition's accounting (G3). */
export interface ChunkCounts {
  readonly applied: number;
  readonly duplicates: number;
  readonly parked: number;
  readonly deadLettered: number;
}

/** A partition's row in consumer_offsets, as every read here returns it. */
export interface StoredPartitionOffset extends PartitionClaim {
  readonly topic: string;
  readonly partition: number;
  /** Where the partition's accounting starts (a replay's reset moves it). */
  readonly firstOffset: bigint;
  readonly owner: string | null;
  /** How the offsets in [firstOffset, nextOffset) ended. */
  readonly counts: {
    readonly applied: bigint;
    readonly duplicates: bigint;
    readonly parked: bigint;
    readonly deadLettered: bigint;
  };
}

/** The columns every read selects, and their one mapper. */
export const OFFSET_COLUMNS =
  'topic, partition, next_offset, first_offset, generation, owner, ' +
  'applied_count, duplicate_count, parked_count, dead_lettered_count';

interface OffsetRow {
  topic: string;
  partition: number;
  next_offset: string;
  first_offset: string;
  generation: string;
  owner: string | null;
  applied_count: string;
  duplicate_count: string;
  parked_count: string;
  dead_lettered_count: string;
}

function toStoredOffset(row: OffsetRow): StoredPartitionOffset {
  return {
    topic: row.topic,
    partition: row.partition,
    nextOffset: BigInt(row.next_offset),
    firstOffset: BigInt(row.first_offset),
    generation: BigInt(row.generation),
    owner: row.owner,
    counts: {
      applied: BigInt(row.applied_count),
      duplicates: BigInt(row.duplicate_count),
      parked: BigInt(row.parked_count),
      deadLettered: BigInt(row.dead_lettered_count),
    },
  };
}

/** The claim's SQL: insert the row at the start offset, or take it over with the next generation. */
export const CLAIM_SQL = `insert into consumer_offsets
       (group_id, topic, partition, next_offset, first_offset, generation, owner)
     values ($1, $2, $3, $4, $4, 1, $5)
     on conflict (group_id, topic, partition)
     do update set generation = consumer_offsets.generation + 1, owner = excluded.owner, updated_at = now()
     returning ${OFFSET_COLUMNS}`;

/** A replay's reset: the offset moves back (never forward) and the accounting restarts there. */
export const RESET_SQL = `update consumer_offsets o
          set next_offset = $4, first_offset = $4, updated_at = now(),
              applied_count = 0, duplicate_count = 0, parked_count = 0, dead_lettered_count = 0
         from (select next_offset as previous from consumer_offsets
                where group_id = $1 and topic = $2 and partition = $3 for update) p
        where o.group_id = $1 and o.topic = $2 and o.partition = $3 and o.next_offset > $4
        returning p.previous`;

export const READ_ONE_SQL = `select ${OFFSET_COLUMNS} from consumer_offsets
  where group_id = $1 and topic = $2 and partition = $3`;
export const READ_SOME_SQL = `select ${OFFSET_COLUMNS} from consumer_offsets
  where group_id = $1 and topic = $2 and partition = any($3::int4[])`;
export const READ_GROUP_SQL = `select ${OFFSET_COLUMNS} from consumer_offsets
  where group_id = $1 and ($2::text is null or topic = $2) order by topic, partition`;

/**
 * Claims a partition for this member: increments its generation (creating the row at `startOffset` on first
 * use) and returns the stored next offset. Any transaction of an earlier owner that has not committed yet will
 * fail its fenced update.
 */
export async function claimPartition(
  db: Queryable,
  ref: PartitionRef,
  owner: string,
  startOffset: bigint,
): Promise<StoredPartitionOffset> {
  const values = [ref.groupId, ref.topic, ref.partition, startOffset.toString(), owner];
  const { rows } = await db.query<OffsetRow>(CLAIM_SQL, values);
  return toStoredOffset(rows[0]!);
}

export async function readPartitionOffset(
  db: Queryable,
  ref: PartitionRef,
): Promise<StoredPartitionOffset | undefined> {
  const { rows } = await db.query<OffsetRow>(READ_ONE_SQL, [ref.groupId, ref.topic, ref.partition]);
  return rows[0] && toStoredOffset(rows[0]);
}

/** The stored offsets of some partitions of a group's topic, by partition; partitions without a row are absent. */
export async function readPartitionOffsets(
  db: Queryable,
  groupId: string,
  topic: string,
  partitions: readonly number[],
): Promise<Map<number, StoredPartitionOffset>> {
  if (partitions.length === 0) return new Map();
  const { rows } = await db.query<OffsetRow>(READ_SOME_SQL, [groupId, topic, partitions]);
  return new Map(rows.map((row) => [row.partition, toStoredOffset(row)]));
}

/**
 * Every stored offset of a group (of one topic, if given), in topic and partition order. A named statement: the
 * benchmark polls it every millisecond, and each connection plans it once.
 */
export async function readGroupOffsets(
  db: Queryable,
  groupId: string,
  topic?: string,
): Promise<StoredPartitionOffset[]> {
  const query = { name: 'spr_read_group_offsets', text: READ_GROUP_SQL, values: [groupId, topic ?? null] };
  const { rows } = await db.query<OffsetRow>(query);
  return rows.map(toStoredOffset);
}

/**
 * Moves a partition's stored offset back to `offset` (never forward) and restarts its accounting there; the
 * consumer owning it notices and re-reads from there. Returns the offset it had, or undefined if nothing moved.
 */
export async function resetPartitionOffset(
  db: Queryable,
  ref: PartitionRef,
  offset: bigint,
): Promise<bigint | undefined> {
  const values = [ref.groupId, ref.topic, ref.partition, offset.toString()];
  const { rows } = await db.query<{ previous: string }>(RESET_SQL, values);
  return rows[0] && BigInt(rows[0].previous);
}

/**
 * The fenced offset update of every chunk write (docs/design.md §5): it moves `next_offset` from the claim's to `end`
 * only if nobody moved it and the generation is still this member's. Otherwise it raises SQLSTATE SPR02, and
 * nothing of the transaction it is part of is written (the caller then reads the stored offset to tell a fence
 * from an operator's reset).
 */
export function offsetAdvanceStatement(
  ref: PartitionRef,
  claim: PartitionClaim,
  end: bigint,
  counts: ChunkCounts,
): SqlStatement {
  return {
    name: 'spr_offset_advance',
    text: `with advanced as (
       update consumer_offsets
          set next_offset = $4,
              applied_count = applied_count + $7,
              duplicate_count = duplicate_count + $8,
              parked_count = parked_count + $9,
              dead_lettered_count = dead_lettered_count + $10,
              updated_at = now()
        where group_id = $1 and topic = $2 and partition = $3 and next_offset = $5 and generation = $6
       returning 1
     )
     select spr_require(count(*) = 1, '${SQLSTATE.fenced}',
                        'partition ' || $3 || ': stored offset or generation is not this claim''s (next offset '
                        || $5 || ', generation ' || $6 || ')') as claim_held
       from advanced`,
    values: [
      ref.groupId,
      ref.topic,
      ref.partition,
      end.toString(),
      claim.nextOffset.toString(),
      claim.generation.toString(),
      counts.applied,
      counts.duplicates,
      counts.parked,
      counts.deadLettered,
    ],
  };
}

/** The error `offsetAdvanceStatement` raises when the claim no longer holds. */
export function isFenceError(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === SQLSTATE.fenced;
}
