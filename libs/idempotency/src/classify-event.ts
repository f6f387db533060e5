import type { DedupeVerdict, EntityProgress, EventIdentity, SeenEvent } from './types.ts';

/**
 * The dedupe rule, as a pure function of what the database holds (G1, G2): the event id first (a redelivery or a
 * re-publish carries the same id), then the entity's sequence (`seq <= applied_seq` is done, `applied_seq + 1` is
 * next, anything beyond is a gap). `progress` is undefined for an entity never seen (applied_seq 0).
 */
export function classifyEvent(
  event: EventIdentity,
  progress: EntityProgress | undefined,
  seen: SeenEvent | undefined,
): DedupeVerdict {
  if (seen) {
    return seen.payloadHash.equals(event.payloadHash)
      ? { kind: 'duplicate', by: 'event_id' }
      : { kind: 'conflict', reason: 'EVENT_ID_REUSED', recordedOutcome: seen.outcome };
  }
  const appliedSeq = progress?.appliedSeq ?? 0n;
  if (event.seq <= appliedSeq) return { kind: 'duplicate', by: 'seq' };
  if (event.seq === appliedSeq + 1n) return { kind: 'apply' };
  return { kind: 'gap', expectedSeq: appliedSeq + 1n };
}
