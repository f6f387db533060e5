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

/** An assignment whose partitions are all claimed. */
function assignClaimed(pauses: ReturnType<typeof createPartitionPauses>, partitions: number[]) {
  pauses.assign(partitions);
  for (const p of partitions) pauses.set(p, 'unclaimed', false);
}

describe('partition pauses', () => {
  it('resumes a fenced partition that the member gets back in a new assignment', () => {
    let assigned = [0, 1, 2, 3, 4, 5];
    const client = fakeClient(() => assigned);
    const pauses = createPartitionPauses();
    assignClaimed(pauses, assigned);
    for (const p of assigned) pauses.set(p, 'fenced', true);
    expect(pauses.sync(client)).toEqual({ paused: [0, 1, 2, 3, 4, 5], resumed: [] });

    // The rejoin gives it 3, 4 and 5 back: the client still has them paused, the runtime does not want that.
    assigned = [3, 4, 5];
    pauses.assign(assigned);
    expect(pauses.reasons(3)).toEqual(['unclaimed']);
    for (const p of assigned) pauses.set(p, 'unclaimed', false);
    expect(pauses.sync(client)).toEqual({ paused: [], resumed: [3, 4, 5] });
    expect(client.paused()).toEqual([]);
  });

  it('keeps backpressure across assignments and resumes only what nothing else holds', () => {
    let assigned = [0, 1];
    const client = fakeClient(() => assigned);
    const pauses = createPartitionPauses();
    assignClaimed(pauses, assigned);
    pauses.setBackpressure(true);
    pauses.sync(client);
    assigned = [0, 1, 2];
    assignClaimed(pauses, assigned);
    expect(pauses.sync(client)).toEqual({ paused: [2], resumed: [] });
    pauses.set(1, 'fenced', true);
    pauses.set(2, 'queue-full', true);
    pauses.setBackpressure(false);
    expect(pauses.sync(client)).toEqual({ paused: [], resumed: [0] });
    expect(pauses.reasons(1)).toEqual(['fenced']);
    expect(pauses.reasons(2)).toEqual(['queue-full']);
    pauses.set(2, 'queue-full', false);
    expect(pauses.sync(client)).toEqual({ paused: [], resumed: [2] });
    expect(client.paused()).toEqual([1]);
  });

  it('resumes a partition the client paused on its own, and ignores partitions it does not own', () => {
    const client = fakeClient(() => [0, 1]);
    client.pausedSet.add(1);
    const pauses = createPartitionPauses();
    assignClaimed(pauses, [0, 1]);
    pauses.set(7, 'fenced', true);
    expect(pauses.reasons(7)).toEqual([]);
    expect(pauses.sync(client)).toEqual({ paused: [], resumed: [1] });
  });
});
