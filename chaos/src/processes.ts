import { readFileSync } from 'node:fs';

/** The one-letter state of a process from /proc (R, S, T for stopped, Z for exited-not-reaped), or undefined. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
}

/** Alive (not exited) and, when `marker` is given, its command line contains it (guards against a reused pid). */
export function isAlive(pid: number, marker?: string): boolean {
  const state = processState(pid);
  if (state === undefined || state === 'Z') return false;
  if (marker === undefined) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** Sends `signal` to `pid` only if it is still the process we mean; false if it was gone. */
export function signalIfOurs(pid: number, marker: string, signal: NodeJS.Signals): boolean {
  if (!isAlive(pid, marker)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
