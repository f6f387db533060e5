import { setTimeout as wait } from 'node:timers/promises';
import { ChaosError } from './chaos-error.ts';

export interface WaitOptions {
  /** What is awaited, for the error message. */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/** Resolves after `ms`, or rejects with ABORTED when `signal` aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? aborted(signal) : error;
  }
}

function aborted(signal: AbortSignal): ChaosError {
  return new ChaosError('ABORTED', `aborted: ${String(signal.reason ?? 'stopped')}`);
}

/**
 * Re-checks `condition` every `intervalMs` until it returns a value other than undefined/false; an error it
 * throws counts as "not yet" (a service may be restarting) and is reported if time runs out.
 */
export async function waitUntil<T>(
  condition: () => T | false | undefined | Promise<T | false | undefined>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw aborted(options.signal);
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new ChaosError(
        'TIMEOUT',
        `timed out after ${(options.timeoutMs / 1000).toFixed(0)} s waiting for ${options.what}${why}`,
        { cause: lastError },
      );
    }
    await sleep(options.intervalMs ?? 100, options.signal);
  }
}
