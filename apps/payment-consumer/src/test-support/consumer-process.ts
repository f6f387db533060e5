import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@spr/testing';

/** The deployable bundle (built by build-bundle.ts before the tests run). */
const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'main.mjs');
const KEPT_LINES = 5_000;

export interface ConsumerProcess {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The JSON log lines the process wrote so far (the last few thousand). */
  lines(): Array<Record<string, unknown>>;
  /** Waits for a log line whose message matches. */
  waitForLog(message: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  signal(signal: NodeJS.Signals): void;
  /** SIGCONT (in case it is frozen) and SIGTERM, then waits for the exit; SIGKILL if it takes longer than `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The payment consumer as its own process (`node dist/main.mjs`), as it runs in production. */
export function spawnConsumer(env: NodeJS.ProcessEnv): ConsumerProcess {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      if (!line.trim()) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ message: line });
      }
      if (lines.length > KEPT_LINES) lines.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    pid: child.pid!,
    exited,
    lines: () => [...lines],
    waitForLog: (message, timeoutMs = 60_000) =>
      waitFor(() => lines.find((l) => typeof l.message === 'string' && message.test(l.message)), { what: `a consumer log line matching ${message}`, timeoutMs }),
    signal: (signal) => child.kill(signal),
    async stop(graceMs = 30_000) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Resident set size of a process in MiB, from /proc. */
export function rssMb(pid: number, read: (path: string) => string): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`));
  return match ? Number(match[1]) / 1024 : 0;
}
