import { describe, expect, it } from 'vitest';
import { judgeStoredOffset } from './partition-monitor.ts';

const claim = (nextOffset: bigint, generation: bigint) => ({ nextOffset, generation });

describe('judging a stored offset row read by the partition monitor', () => {
  it('fences on a newer generation and follows an operator reset of the same generation', () => {
    const held = claim(10n, 2n);
    expect(judgeStoredOffset(held, held, claim(10n, 3n))).toEqual({ kind: 'fenced', storedGeneration: 3n });
    expect(judgeStoredOffset(held, held, claim(4n, 2n))).toEqual({ kind: 'moved', nextOffset: 4n });
    expect(judgeStoredOffset(held, held, claim(10n, 2n))).toEqual({ kind: 'unchanged' });
  });

  it(
    'ignores a row read while the lane was claiming ' + '(the chaos run of 2026-12-01 fenced a healthy partition so)',
    () => {
      const claimed = claim(727n, 2n);
      const staleRow = claim(727n, 1n);
      expect(judgeStoredOffset(undefined, claimed, staleRow)).toEqual({ kind: 'unchanged' });
      // Even with the claim seen before the read, an older generation is never another member's claim.
      expect(judgeStoredOffset(claimed, claimed, staleRow)).toEqual({ kind: 'unchanged' });
    },
  );

  it('ignores a row read before the lane committed a chunk (its offset is behind, not reset)', () => {
    const before = claim(100n, 2n);
    const afterCommit = claim(150n, 2n);
    expect(judgeStoredOffset(before, afterCommit, claim(100n, 2n))).toEqual({ kind: 'unchanged' });
  });

  it('has nothing to judge without a row or a claim', () => {
    expect(judgeStoredOffset(undefined, undefined, claim(1n, 1n))).toEqual({ kind: 'unchanged' });
    const held = claim(1n, 1n);
    expect(judgeStoredOffset(held, held, undefined)).toEqual({ kind: 'unchanged' });
  });
});
