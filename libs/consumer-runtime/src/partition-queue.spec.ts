import { describe, expect, it } from 'vitest';
import { createPartitionQueue } from './partition-queue.ts';
import type { RawMessage } from './types.ts';

const record = (offset: number, bytes = 10): RawMessage => ({
  topic: 't',
  partition: 0,
  offset: BigInt(offset),
  key: null,
  value: Buffer.alloc(bytes),
  headers: {},
  timestamp: 0,
});
const offsets = (records: readonly RawMessage[]) => records.map((r) => Number(r.offset));

describe('partition queue', () => {
  it('queues from the stored offset on and drops what was fetched again', () => {
    const queue = createPartitionQueue(5n);
    expect(queue.append([record(3), record(4), record(5), record(6)])).toBe(2);
    // A fetch that starts earlier again (a retry) adds only what is new.
    expect(queue.append([record(5), record(6), record(7)])).toBe(1);
    expect(offsets(queue.take(10, 1_000))).toEqual([5, 6, 7]);
    expect(queue.nextOffset).toBe(8n);
  });

  it('keeps offsets that have no record (control records, compaction) out, without waiting for them', () => {
    const queue = createPartitionQueue(0n);
    queue.append([record(0), record(1), record(4)]);
    expect(offsets(queue.take(10, 1_000))).toEqual([0, 1, 4]);
    expect(queue.nextOffset).toBe(5n);
  });

  it('takes whatever is queued up to the chunk limits, and always at least one record', () => {
    const queue = createPartitionQueue(0n);
    queue.append([record(0, 100), record(1, 100), record(2, 100), record(3, 500), record(4, 10)]);
    expect(queue.bytes).toBe(810);
    expect(offsets(queue.take(2, 10_000))).toEqual([0, 1]);
    expect(offsets(queue.take(10, 250))).toEqual([2]); // 100 + 500 would exceed 250
    expect(offsets(queue.take(10, 50))).toEqual([3]); // a record larger than the limit still goes, alone
    expect(queue.length).toBe(1);
    expect(queue.bytes).toBe(10);
    expect(offsets(queue.take(10, 50))).toEqual([4]);
    expect(queue.take(10, 50)).toEqual([]);
  });

  it('starts afresh from a new offset after a reset (an operator moved the stored offset)', () => {
    const queue = createPartitionQueue(0n);
    queue.append([record(0), record(1), record(2)]);
    queue.reset(1n);
    expect(queue.length).toBe(0);
    expect(queue.bytes).toBe(0);
    queue.append([record(0), record(1)]);
    expect(offsets(queue.take(10, 1_000))).toEqual([1]);
  });

  it('stays correct across many appends and takes (the consumed head is compacted away)', () => {
    const queue = createPartitionQueue(0n);
    const taken: number[] = [];
    for (let i = 0; i < 5_000; i += 10) {
      queue.append(Array.from({ length: 10 }, (_, j) => record(i + j)));
      taken.push(...offsets(queue.take(7, 1_000_000)));
    }
    while (queue.length > 0) taken.push(...offsets(queue.take(7, 1_000_000)));
    expect(taken).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
  });
});
