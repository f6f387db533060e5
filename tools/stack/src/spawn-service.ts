import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { StackError } from './errors.ts';

/** One line of a service's output: its JSON log object, or `{ message: text }` for a line that is not one. */
export type LogLine = Record<string, unknown> & { message?: unknown };

export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** When the exit was seen (epoch milliseconds). */
  readonly at: number;
}

export interface SpawnServiceOptions {
  /** The child's whole environment: nothing is inherited that the caller does not pass. */
  readonly env: NodeJS.ProcessEnv;
  /** For messages; default: the bundle's file name. */
  readonly name?: string;
  /** Arguments after the bundle. */
  readonly args?: readonly string[];
  /** Node's own options, before the bundle (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  readonly cwd?: string;
  /** The raw output (stdout and stderr) is appended to this file. */
  readonly logFile?: string;
  /** How many lines `lines()` keeps, the newest; default 1,000. */
  readonly keepLines?: number;
  /** Which lines `lines()` keeps; default every one. */
  readonly keep?: (line: LogLine) => boolean;
  /** Sees every line, kept or not, with its text. */
  readonly onLine?: (line: LogLine, text: string) => void;
}

export interface WaitForLineOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** What is awaited, for the timeout's message. */
  readonly what?: string;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly child: ChildProcess;
  /** Resolves once the process exited and its output was read to the end. */
  readonly exited: Promise<ServiceExit>;
  exitInfo(): ServiceExit | undefined;
  /** The kept lines, oldest first. */
  lines(): LogLine[];
  /**
   * The first kept line that matches, else the next line that does; undefined if the process ends (its output read
   * to the end) without one. Rejects with NOT_READY after `timeoutMs`, or with the signal's reason when it aborts.
   */
  waitForLine(match: (line: LogLine) => boolean, options: WaitForLineOptions): Promise<LogLine | undefined>;
  /** Sends a signal unless the process has exited (e.g. SIGSTOP, SIGCONT, SIGKILL). */
  signal(signal: NodeJS.Signals): void;
  /** SIGCONT (it may be stopped) and SIGTERM, SIGKILL after `graceMs` (default 30 s); resolves with the exit. */
  stop(options?: { graceMs?: number; onKill?: () => void }): Promise<ServiceExit>;
}

/**
 * Runs an app's bundle as its own process (`node [nodeArgs] bundle [args]`), as it runs when deployed, and reads
 * its output line by line (readline: a line split across chunks stays whole). For tests, the bench, chaos and
 * the demo.
 */
export function spawnService(bundle: string, options: SpawnServiceOptions): ServiceProcess {
  const name = options.name ?? basename(bundle);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bundle, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    child.once('error', () => undefined); // reported by the throw below
    throw new StackError('SERVICE_DIED', `could not start ${name} (${bundle})`);
  }
  const pid = child.pid;
  const startedAt = Date.now();
  const keepLines = options.keepLines ?? 1_000;
  const kept: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; settle: (line: LogLine | undefined) => void }>();
  let exit: ServiceExit | undefined;
  let closed = false;

  const file = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const onText = (text: string) => {
    if (!text.trim()) return;
    const line = parseLine(text);
    options.onLine?.(line, text);
    if (options.keep?.(line) ?? true) {
      kept.push(line);
      if (kept.length > keepLines) kept.shift();
    }
    for (const waiter of waiters) if (waiter.match(line)) waiter.settle(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (file) stream.on('data', (chunk: Buffer) => file.write(chunk));
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', onText);
  }

  child.once('exit', (code, signal) => (exit = { code, signal, at: Date.now() }));
  // 'close' comes after 'exit', once the output was read to the end: every line is in, none can match any more.
  const exited = new Promise<ServiceExit>((resolve) =>
    child.once('close', () => {
      closed = true;
      file?.end();
      for (const waiter of waiters) waiter.settle(undefined);
      resolve(exit!);
    }),
  );

  const signal = (sig: NodeJS.Signals) => {
    if (exit) return;
    try {
      process.kill(pid, sig);
    } catch {
      // it exited between the check and the signal
    }
  };

  return {
    name,
    pid,
    startedAt,
    child,
    exited,
    exitInfo: () => exit,
    lines: () => [...kept],
    waitForLine(match, { timeoutMs, signal: abort, what = 'a matching log line' }) {
      const seen = kept.find(match);
      if (seen || closed) return Promise.resolve(seen);
      return new Promise<LogLine | undefined>((resolve, reject) => {
        const finish = (outcome: () => void) => {
          clearTimeout(timer);
          abort?.removeEventListener('abort', onAbort);
          waiters.delete(waiter);
          outcome();
        };
        const waiter = { match, settle: (line: LogLine | undefined) => finish(() => resolve(line)) };
        const onAbort = () => finish(() => reject(abort!.reason));
        const seconds = (timeoutMs / 1000).toFixed(0);
        const timedOut = () =>
          new StackError('NOT_READY', `timed out after ${seconds} s waiting for ${what} (${name}, pid ${pid})`);
        const timer = setTimeout(() => finish(() => reject(timedOut())), timeoutMs);
        waiters.add(waiter);
        if (abort?.aborted) onAbort();
        else abort?.addEventListener('abort', onAbort, { once: true });
      });
    },
    signal,
    async stop({ graceMs = 30_000, onKill } = {}) {
      if (exit) return exit;
      signal('SIGCONT');
      signal('SIGTERM');
      const timer = setTimeout(() => {
        onKill?.();
        signal('SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function parseLine(text: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as LogLine;
  } catch {
    // not JSON: kept as text
  }
  return { message: text };
}
