import { describe, expect, it } from 'vitest';
import { createProgressWatchdog, type PartitionProgressSample } from './progress-watchdog.ts';

const sample = (
  partition: number,
  storedOffset: bigint,
  logEnd: bigint,
  pausedByBackpressure = false,
): PartitionProgressSample => ({
  partition,
  storedOffset,
  logEnd,
  pausedByBackpressure,
});

describe('progress watchdog', () => {
  it('reports a partition with records beyond its stored offset that stops moving, and stops when it moves', () => {
    const watchdog = createProgressWatchdog({ stallAfterMs: 1_000 });
    expect(watchdog.observe([sample(0, 10n, 20n), sample(1, 5n, 5n)], 0)).toEqual([]);
    expect(watchdog.observe([sample(0, 10n, 25n), sample(1, 5n, 5n)], 999)).toEqual([]);
    expect(watchdog.observe([sample(0, 10n, 25n), sample(1, 5n, 5n)], 1_000)).toEqual([
      { partition: 0, storedOffset: 10n, logEnd: 25n, stalledForMs: 1_000 },
    ]);
    expect(watchdog.observe([sample(0, 11n, 25n), sample(1, 5n, 5n)], 1_500)).toEqual([]);
  });

  it('does not count a caught-up partition or a backpressure pause as a stall', () => {
    const watchdog = createProgressWatchdog({ stallAfterMs: 1_000 });
    watchdog.observe([sample(0, 10n, 10n)], 0);
    expect(watchdog.observe([sample(0, 10n, 10n)], 5_000)).toEqual([]);
    // Records arrive: the clock starts now, not when the partition went idle.
    expect(watchdog.observe([sample(0, 10n, 12n)], 5_001)).toEqual([]);
    expect(watchdog.observe([sample(0, 10n, 12n, true)], 9_000)).toEqual([]);
    expect(watchdog.observe([sample(0, 10n, 12n)], 9_999)).toEqual([]);
    expect(watchdog.observe([sample(0, 10n, 12n)], 10_000)).toHaveLength(1);
  });

  it('starts afresh for a partition it gets again after losing it', () => {
    const watchdog = createProgressWatchdog({ stallAfterMs: 1_000 });
    watchdog.observe([sample(0, 10n, 20n)], 0);
    watchdog.observe([], 500);
    expect(watchdog.observe([sample(0, 10n, 20n)], 1_200)).toEqual([]);
    expect(watchdog.observe([sample(0, 10n, 20n)], 2_200)).toHaveLength(1);
  });
});
