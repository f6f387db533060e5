import { describe, expect, it } from 'vitest';
import { commitLookup, commitTime, latencySummary } from './latency.ts';
import { dueBy, intendedAt } from './open-loop.ts';

describe('open-loop schedule', () => {
  const schedule = { startAt: 1_000, ratePerSec: 5_000, total: 100 };

  it('places event i at startAt + i / rate, whatever the sender does', () => {
    expect(intendedAt(schedule, 0)).toBe(1_000);
    expect(intendedAt(schedule, 5)).toBe(1_001);
  });

  it('counts the events due by a time, bounded by the total', () => {
    expect(dueBy(schedule, 999)).toBe(0);
    expect(dueBy(schedule, 1_000)).toBe(1);
    expect(dueBy(schedule, 1_001)).toBe(6);
    expect(dueBy(schedule, 1_000_000)).toBe(100);
  });
});

describe('commit times from offset observations', () => {
  const trace = { times: [10, 20, 30], nextOffsets: [5, 8, 12] };

  it('takes the first observation past the offset', () => {
    expect(commitTime(trace, 0)).toBe(10);
    expect(commitTime(trace, 4)).toBe(10);
    expect(commitTime(trace, 5)).toBe(20);
    expect(commitTime(trace, 11)).toBe(30);
    expect(commitTime(trace, 12)).toBeUndefined();
  });

  it('measures from the intended time, leaves out the warm-up and counts what was never seen', () => {
    const sent = {
      intended: Float64Array.from([0, 1, 2, 3, 4]),
      partition: Int32Array.from([0, 0, 1, 1, 1]),
      offset: Float64Array.from([0, 1, 0, 1, Number.NaN]),
    };
    const traces = new Map([
      [0, { times: [11, 21], nextOffsets: [1, 2] }],
      [1, { times: [7], nextOffsets: [1] }],
    ]);
    const summary = latencySummary(sent, commitLookup(traces), 1);
    // Event 0 is warm-up; event 1 committed at 21 (20 ms), event 2 at 7 (5 ms); 3 never seen, 4 failed.
    expect(summary.count).toBe(2);
    expect(summary.missing).toBe(2);
    expect(summary.p50Ms).toBeCloseTo(5, 1);
    expect(summary.maxMs).toBeCloseTo(20, 1);
  });
});
