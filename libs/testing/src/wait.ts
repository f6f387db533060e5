import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the error message. */
  readonly what: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;

/**
 * Waits until `condition` returns a value other than `undefined`/`false`, re-checking it every `intervalMs`;
 * fails with `what` and the last value seen when `timeoutMs` passes. Tests wait on conditions like this, never
 * on a fixed sleep.
 */
export async function waitFor<T>(
  condition: () => T | false | undefined | Promise<T | false | undefined>,
  options: WaitOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
