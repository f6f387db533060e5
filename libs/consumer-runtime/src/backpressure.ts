export interface BackpressureOptions {
  /** Pause when the smoothed chunk transaction latency (or the age of one still running) exceeds this. */
  readonly pauseAboveTxMs: number;
  /** Resume only once the smoothed latency is below this (hysteresis). */
  readonly resumeBelowTxMs: number;
  /** Pause when the smoothed wait for a pool connection exceeds this. */
  readonly pauseAbovePoolWaitMs: number;
  readonly resumeBelowPoolWaitMs: number;
  /** Smoothing factor of the moving averages (0..1, higher follows faster). */
  readonly smoothing: number;
  /**
   * While no transaction runs, the averages halve every this many ms: a paused consumer gets no new samples,
   * and without decay one slow transaction would keep it paused forever.
   */
  readonly idleHalfLifeMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureOptions = {
  pauseAboveTxMs: 2_000,
  resumeBelowTxMs: 500,
  pauseAbovePoolWaitMs: 1_000,
  resumeBelowPoolWaitMs: 100,
  smoothing: 0.2,
  idleHalfLifeMs: 1_000,
};

export interface BackpressureSignals {
  readonly txLatencyMs: number;
  readonly poolWaitMs: number;
  readonly oldestTxAgeMs: number;
}

export type BackpressureDecision = { readonly paused: boolean; readonly changed: boolean; readonly reason?: string };

/**
 * Decides when the database is too slow to take more work, so that every partition stops fetching, and when it
 * has recovered: from PostgreSQL's health as the consumer sees it (pool wait, transaction latency, a transaction
 * that is taking long right now). Pauses at the high marks and resumes only below the low marks, so it does not
 * flap. Memory is bounded apart from this, by each partition's queue budget; this is what tells a slow database
 * from a busy one (G4). Pure state: the runtime feeds it measurements and applies its decisions.
 */
export interface BackpressureController {
  recordTransaction(ms: number): void;
  recordPoolWait(ms: number): void;
  transactionStarted(id: number, at: number): void;
  transactionEnded(id: number): void;
  /** Re-evaluates; `changed` tells the caller to pause or resume the consumer. */
  evaluate(now: number): BackpressureDecision;
  readonly paused: boolean;
  signals(now: number): BackpressureSignals;
}

export function createBackpressureController(
  options: BackpressureOptions = DEFAULT_BACKPRESSURE,
): BackpressureController {
  let txLatencyMs = 0;
  let poolWaitMs = 0;
  let paused = false;
  let lastEvaluation: number | undefined;
  const running = new Map<number, number>();
  const ewma = (previous: number, sample: number) => previous + options.smoothing * (sample - previous);

  const signals = (now: number): BackpressureSignals => {
    let oldest = 0;
    for (const startedAt of running.values()) oldest = Math.max(oldest, now - startedAt);
    return { txLatencyMs, poolWaitMs, oldestTxAgeMs: oldest };
  };

  return {
    recordTransaction: (ms) => void (txLatencyMs = ewma(txLatencyMs, ms)),
    recordPoolWait: (ms) => void (poolWaitMs = ewma(poolWaitMs, ms)),
    transactionStarted: (id, at) => void running.set(id, at),
    transactionEnded: (id) => void running.delete(id),
    evaluate(now) {
      if (running.size === 0 && lastEvaluation !== undefined) {
        const factor = 0.5 ** ((now - lastEvaluation) / options.idleHalfLifeMs);
        txLatencyMs *= factor;
        poolWaitMs *= factor;
      }
      lastEvaluation = now;
      const s = signals(now);
      if (!paused) {
        const reason =
          s.txLatencyMs > options.pauseAboveTxMs
            ? `transaction latency ${Math.round(s.txLatencyMs)} ms > ${options.pauseAboveTxMs} ms`
            : s.oldestTxAgeMs > options.pauseAboveTxMs
              ? `a transaction has run for ${Math.round(s.oldestTxAgeMs)} ms > ${options.pauseAboveTxMs} ms`
              : s.poolWaitMs > options.pauseAbovePoolWaitMs
                ? `pool wait ${Math.round(s.poolWaitMs)} ms > ${options.pauseAbovePoolWaitMs} ms`
                : undefined;
        if (reason) {
          paused = true;
          return { paused, changed: true, reason };
        }
        return { paused, changed: false };
      }
      const healthy =
        s.txLatencyMs < options.resumeBelowTxMs &&
        s.oldestTxAgeMs < options.pauseAboveTxMs &&
        s.poolWaitMs < options.resumeBelowPoolWaitMs;
      if (healthy) {
        paused = false;
        return { paused, changed: true, reason: 'healthy again' };
      }
      return { paused, changed: false };
    },
    get paused() {
      return paused;
    },
    signals,
  };
}
