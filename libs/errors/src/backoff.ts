export interface BackoffOptions {
  /** The ceiling of the first retry's delay. */
  readonly initialMs: number;
  /** The ceiling never grows beyond this. */
  readonly maxMs: number;
}

/**
 * The delay before retry number `attempt` (0 for the first): exponential backoff with equal jitter. The ceiling is
 * `initialMs` doubled per attempt, at most `maxMs`; the delay is uniformly random between half the ceiling and the
 * ceiling, so retries of many callers spread out but none comes back at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
