import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from './backoff.ts';

const options = { initialMs: 100, maxMs: 1_000 };

describe('backoffDelay', () => {
  afterEach(() => vi.restoreAllMocks());

  it('waits between half the ceiling and the ceiling (equal jitter)', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, options))).toEqual([50, 100, 200, 400]);
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, options))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds maxMs, however many attempts', () => {
    for (const attempt of [4, 10, 40, 1_000]) {
      const delay = backoffDelay(attempt, options);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1_000);
    }
  });
});
