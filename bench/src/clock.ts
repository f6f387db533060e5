import { setTimeout as wait } from 'node:timers/promises';

/** Epoch milliseconds with sub-millisecond resolution, comparable across the benchmark's processes. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`, or early (without error) when `signal` aborts: an interrupted run skips its waits. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(Math.max(0, ms), undefined, { signal }).catch(() => undefined);
}
