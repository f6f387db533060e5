import { describe, expect, it } from 'vitest';
import { createBackpressureController, DEFAULT_BACKPRESSURE } from './backpressure.ts';

const options = { ...DEFAULT_BACKPRESSURE, pauseAboveTxMs: 1_000, resumeBelowTxMs: 200, smoothing: 0.5 };

describe('backpressure', () => {
  it('pauses while a transaction runs long, before it finishes', () => {
    const bp = createBackpressureController(options);
    bp.transactionStarted(1, 0);
    expect(bp.evaluate(500).paused).toBe(false);
    expect(bp.evaluate(1_500)).toMatchObject({
      paused: true,
      changed: true,
      reason: 'a transaction has run for 1500 ms > 1000 ms',
    });
    bp.transactionEnded(1);
    bp.recordTransaction(30_000);
    expect(bp.evaluate(1_501).paused).toBe(true);
  });

  it('resumes once the database is healthy again (the average decays while idle)', () => {
    const bp = createBackpressureController(options);
    bp.recordTransaction(4_000); // smoothed to 2000
    expect(bp.evaluate(0)).toMatchObject({ paused: true, reason: 'transaction latency 2000 ms > 1000 ms' });
    expect(bp.evaluate(1_000).paused).toBe(true); // 1000 ms: still above the resume mark
    expect(bp.evaluate(4_000)).toMatchObject({ paused: false, changed: true }); // 2000 / 16 = 125 < 200
  });

  it('pauses on slow pool acquisition', () => {
    const bp = createBackpressureController({ ...options, pauseAbovePoolWaitMs: 100 });
    bp.recordPoolWait(300);
    expect(bp.evaluate(0)).toMatchObject({ paused: true, reason: 'pool wait 150 ms > 100 ms' });
  });
});
