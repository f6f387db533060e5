import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRecentEventWindow } from './recent-event-window.ts';

const digest = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);

describe('RecentEventWindow', () => {
  it('knows a recorded id with the same digest, not with another', () => {
    const window = createRecentEventWindow({ maxEntries: 10, ttlMs: 1_000 });
    window.record('e-1', digest(1));
    expect(window.isKnownDuplicate('e-1', digest(1))).toBe(true);
    expect(window.isKnownDuplicate('e-1', digest(2))).toBe(false);
    expect(window.isKnownDuplicate('e-2', digest(1))).toBe(false);
  });

  it('forgets after the TTL', () => {
    let now = 0;
    const window = createRecentEventWindow({ maxEntries: 10, ttlMs: 1_000, now: () => now });
    window.record('e-1', digest(1));
    now = 999;
    expect(window.isKnownDuplicate('e-1', digest(1))).toBe(true);
    now = 1_999; // the hit above did not extend the TTL, recording does
    expect(window.isKnownDuplicate('e-1', digest(1))).toBe(false);
    expect(window.size).toBe(0);
  });

  it('evicts the least recently used id first', () => {
    const window = createRecentEventWindow({ maxEntries: 2, ttlMs: 60_000 });
    window.record('a', digest(1));
    window.record('b', digest(2));
    expect(window.isKnownDuplicate('a', digest(1))).toBe(true); // a is now the most recently used
    window.record('c', digest(3));
    expect(window.isKnownDuplicate('b', digest(2))).toBe(false);
    expect(window.isKnownDuplicate('a', digest(1))).toBe(true);
    expect(window.isKnownDuplicate('c', digest(3))).toBe(true);
  });

  it('rejects a bound that is not positive', () => {
    expect(() => createRecentEventWindow({ maxEntries: 0, ttlMs: 1 })).toThrowError(
      /maxEntries must be a positive integer/,
    );
    expect(() => createRecentEventWindow({ maxEntries: 1, ttlMs: 0 })).toThrowError(/ttlMs must be positive/);
  });

  it('stays within its bound while 10 million ids pass through it', () => {
    expect(globalThis.gc, 'run with --expose-gc (sprVitestConfig does)').toBeTypeOf('function');
    const maxEntries = 50_000;
    const window = createRecentEventWindow({ maxEntries, ttlMs: 60_000 });
    const prefix = randomUUID().slice(0, 24);
    // Fill to the bound, then measure: the heap must not grow with the further 10 million ids.
    for (let i = 0; i < maxEntries; i++) window.record(`${prefix}${i.toString(16).padStart(12, '0')}`, digest(i));
    globalThis.gc?.();
    const heapAtBound = process.memoryUsage().heapUsed;
    let maxSize = 0;
    for (let i = maxEntries; i < 10_000_000; i++) {
      window.record(`${prefix}${i.toString(16).padStart(12, '0')}`, digest(i));
      if ((i & 0xffff) === 0) maxSize = Math.max(maxSize, window.size);
    }
    globalThis.gc?.();
    const growthMb = (process.memoryUsage().heapUsed - heapAtBound) / 1024 / 1024;
    expect(window.size).toBe(maxEntries);
    expect(maxSize).toBeLessThanOrEqual(maxEntries);
    // Generous: 50k entries take about 10 MB; unbounded growth would take gigabytes.
    expect(growthMb).toBeLessThan(64);
    // The oldest ids are gone, the newest are there.
    expect(window.isKnownDuplicate(`${prefix}${(0).toString(16).padStart(12, '0')}`, digest(0))).toBe(false);
    expect(window.isKnownDuplicate(`${prefix}${(9_999_999).toString(16).padStart(12, '0')}`, digest(9_999_999))).toBe(
      true,
    );
  }, 120_000);
});
