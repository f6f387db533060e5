import { SQLSTATE, type Queryable, type SqlStatement } from '@spr/idempotency';

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

/**
 * Claims a partition for this member: increments its generation (creating the row at `startOffset` on first
 * use) and returns the stored next offset. Any transaction of an earlier owner that has not committed yet will
 * fail its fenced update.
 */
export async function claimPartition(db: Queryable, ref: PartitionRef, owner: string, startOffset: bigint): Promise<PartitionClaim> {
  const { rows } = await db.query<{ next_offset: string; generation: string }>(
    `insert into consumer_offsets (group_id, topic, partition, next_offset, first_offset, generation, owner)
     values ($1, $2, $3, $4, $4, 1, $5)
     on conflict (group_id, topic, partition)
     do update set generation = consumer_offsets.generation + 1, owner = excluded.owner, updated_at = now()
     returning next_offset, generation`,
    [ref.groupId, ref.topic, ref.partition, startOffset.toString(), owner],
  );
  return { nextOffset: BigInt(rows[0]!.next_offset), generation: BigInt(rows[0]!.generation) };
}

export async function readPartitionOffset(db: Queryable, ref: PartitionRef): Promise<PartitionClaim | undefined> {
  const { rows } = await db.query<{ next_offset: string; generation: string }>(
    'select next_offset, generation from consumer_offsets where group_id = $1 and topic = $2 and partition = $3',
    [ref.groupId, ref.topic, ref.partition],
  );
  return rows[0] ? { nextOffset: BigInt(rows[0].next_offset), generation: BigInt(rows[0].generation) } : undefined;
}

/** The stored offsets of some partitions of a group's topic, by partition; partitions without a row are absent. */
export async function readPartitionOffsets(db: Queryable, groupId: string, topic: string, partitions: readonly number[]): Promise<Map<number, PartitionClaim>> {
  if (partitions.length === 0) return new Map();
  const { rows } = await db.query<{ partition: number; next_offset: string; generation: string }>(
    'select partition, next_offset, generation from consumer_offsets where group_id = $1 and topic = $2 and partition = any($3::int4[])',
    [groupId, topic, partitions],
  );
  return new Map(rows.map((row) => [row.partition, { nextOffset: BigInt(row.next_offset), generation: BigInt(row.generation) }]));
}

/**
 * The fenced offset update of every chunk write (docs/design.md §5): it moves `next_offset` from the claim's to `end`
 * only if nobody moved it and the generation is still this member's. Otherwise it raises SQLSTATE SPR02, and
 * nothing of the transaction it is part of is written (the caller then reads the stored offset to tell a fence
 * from an operator's reset).
 */
export function offsetAdvanceStatement(ref: PartitionRef, claim: PartitionClaim, end: bigint, counts: ChunkCounts): SqlStatement {
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
     select spr_require(count(*) = 1, '${SQLSTATE.fenced}', 'partition ' || $3 || ': stored offset or generation is not this claim''s (next offset ' || $5 || ', generation ' || $6 || ')') as claim_held
       from advanced`,
    values: [ref.groupId, ref.topic, ref.partition, end.toString(), claim.nextOffset.toString(), claim.generation.toString(), counts.applied, counts.duplicates, counts.parked, counts.deadLettered],
  };
}

/** The error `offsetAdvanceStatement` raises when the claim no longer holds. */
export function isFenceError(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === SQLSTATE.fenced;
}
