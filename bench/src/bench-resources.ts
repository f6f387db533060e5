import type { ChildProcess } from 'node:child_process';

/**
 * Everything a run starts and must stop, even when it fails or is interrupted: child processes (stopped by
 * their pid: SIGTERM, then SIGKILL after a grace period) and clean-ups (a lock released, a schema or topic
 * dropped), run newest first.
 */
export interface BenchResources {
  /** Tracks a child until it exits. */
  track(child: ChildProcess, name: string): void;
  /** Registers a clean-up; call the returned function once it has been done the normal way. */
  defer(name: string, cleanup: () => Promise<unknown>): () => void;
  /** Stops every child still running, then runs the pending clean-ups; bounded in time. Idempotent. */
  closeAll(log: (line: string) => void): Promise<void>;
}

export const CHILD_GRACE_MS = 15_000;
const CLEANUP_TIMEOUT_MS = 20_000;

export function createBenchResources(): BenchResources {
  const children = new Map<number, { child: ChildProcess; name: string }>();
  const cleanups: Array<{ name: string; run: () => Promise<unknown> }> = [];
  let closing: Promise<void> | undefined;
  const close = async (log: (line: string) => void) => {
    await Promise.all([...children.values()].map(({ child, name }) => stopChild(child, name, log)));
    for (const { name, run } of cleanups.splice(0).reverse()) {
      try {
        await withTimeout(run(), CLEANUP_TIMEOUT_MS, name);
      } catch (error) {
        log(`clean-up '${name}' failed: ${(error as Error).message}`);
      }
    }
  };
  return {
    track(child, name) {
      if (child.pid === undefined) return;
      const pid = child.pid;
      children.set(pid, { child, name });
      child.once('exit', () => children.delete(pid));
    },
    defer(name, run) {
      const entry = { name, run };
      cleanups.push(entry);
      return () => {
        const at = cleanups.indexOf(entry);
        if (at >= 0) cleanups.splice(at, 1);
      };
    },
    closeAll(log) {
      // Once: a signal and the run's own finally may both ask; both wait for the same clean-up.
      closing ??= close(log);
      return closing;
    },
  };
}

/** SIGCONT (it may be stopped) and SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(
  child: ChildProcess,
  name: string,
  log: (line: string) => void,
  graceMs = CHILD_GRACE_MS,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    log(`${name} (pid ${child.pid}) did not exit ${graceMs} ms after SIGTERM; killing it`);
    child.kill('SIGKILL');
  }, graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
