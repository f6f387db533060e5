import { describe, expect, it } from 'vitest';
import { createPartitionPauses, type PausableClient } from './partition-pauses.ts';

/** Behaves like kafkajs: pauses persist until resumed, across assignments. */
function fakeClient(assigned: () => number[]): PausableClient & { pausedSet: Set<number> } {
  const pausedSet = new Set<number>();
  return {
    pausedSet,
    paused: () => assigned().filter((p) => pausedSet.has(p)),
    pause: (ps) => ps.forEach((p) => pausedSet.add(p)),
    resume: (ps) => ps.forEach((p) => pausedSet.delete(p)),
  };
}

describe('partition pauses', () => {
  it('resumes a fenced partition that the member gets back in a new assignment', () => {
    let assigned = [0, 1, 2, 3, 4, 5];
    const client = fakeClient(() => assigned);
    const pauses = createPartitionPauses();
    pauses.assign(assigned);
    for (const p of assigned) pauses.fence(p);
    expect(pauses.sync(client)).toEqual({ paused: [0, 1, 2, 3, 4, 5], resumed: [] });

    // The rejoin gives it 3, 4 and 5 back: the client still has them paused, the runtime does not want that.
    assigned = [3, 4, 5];
    pauses.assign(assigned);
    expect(pauses.sync(client)).toEqual({ paused: [], resumed: [3, 4, 5] });
    expect(client.paused()).toEqual([]);
    expect(pauses.reasons(3)).toEqual([]);
  });

  it('keeps backpressure across assignments and resumes only what nothing else holds', () => {
    let assigned = [0, 1];
    const client = fakeClient(() => assigned);
    const pauses = createPartitionPauses();
    pauses.assign(assigned);
    pauses.setBackpressure(true);
    pauses.sync(client);
    assigned = [0, 1, 2];
    pauses.assign(assigned);
    expect(pauses.sync(client)).toEqual({ paused: [2], resumed: [] });
    pauses.fence(1);
    pauses.setBackpressure(false);
    expect(pauses.sync(client)).toEqual({ paused: [], resumed: [0, 2] });
    expect(pauses.reasons(1)).toEqual(['fenced']);
    expect(client.paused()).toEqual([1]);
  });

  it('resumes a partition the client paused on its own, and ignores fences of partitions it does not own', () => {
    const client = fakeClient(() => [0, 1]);
    client.pausedSet.add(1);
    const pauses = createPartitionPauses();
    pauses.assign([0, 1]);
    pauses.fence(7);
    expect(pauses.reasons(7)).toEqual([]);
    expect(pauses.sync(client)).toEqual({ paused: [], resumed: [1] });
  });
});
