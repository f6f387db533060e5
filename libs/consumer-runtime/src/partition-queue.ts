import { messageBytes } from './message.ts';
import type { RawMessage } from './types.ts';

/**
 * The fetched records of one partition that wait for their chunk transaction, in offset order, from the offset
 * the partition's next chunk must start at. Fetching fills it while the database works; a chunk takes whatever
 * is queued, up to the chunk limits. Pure: the pipeline decides what to do when it fills up.
 */
export interface PartitionQueue {
  /** The offset the next appended record must be at or beyond: older records were queued or committed already. */
  readonly nextOffset: bigint;
  readonly length: number;
  /** Key and value bytes of the queued records (what budgets count). */
  readonly bytes: number;
  /** Appends the records from `nextOffset` on and drops older ones (fetched twice); returns how many it kept. */
  append(records: readonly RawMessage[]): number;
  /** The oldest records, at least one, at most `maxEvents` and, beyond the first, at most `maxBytes`. */
  take(maxEvents: number, maxBytes: number): RawMessage[];
  /** Forgets everything queued; the next record accepted is the one at `offset` or beyond. */
  reset(offset: bigint): void;
}

export function createPartitionQueue(startOffset: bigint): PartitionQueue {
  let items: RawMessage[] = [];
  let head = 0;
  let bytes = 0;
  let nextOffset = startOffset;

  return {
    get nextOffset() {
      return nextOffset;
    },
    get length() {
      return items.length - head;
    },
    get bytes() {
      return bytes;
    },
    append(records) {
      let kept = 0;
      for (const record of records) {
        // Offsets without a record (control records, compaction) are skipped by the fetch; a record below
        // nextOffset was fetched again after a seek or a retry and is queued or committed already.
        if (record.offset < nextOffset) continue;
        items.push(record);
        bytes += messageBytes(record);
        nextOffset = record.offset + 1n;
        kept++;
      }
      return kept;
    },
    take(maxEvents, maxBytes) {
      const available = items.length - head;
      let count = 0;
      let taken = 0;
      while (count < available && count < maxEvents) {
        const size = messageBytes(items[head + count]!);
        if (count > 0 && taken + size > maxBytes) break;
        taken += size;
        count++;
      }
      const chunk = items.slice(head, head + count);
      head += count;
      bytes -= taken;
      // Compact once the consumed head outweighs what is left, so the array does not grow for ever.
      if (head > 1024 && head * 2 > items.length) {
        items = items.slice(head);
        head = 0;
      }
      return chunk;
    },
    reset(offset) {
      items = [];
      head = 0;
      bytes = 0;
      nextOffset = offset;
    },
  };
}
