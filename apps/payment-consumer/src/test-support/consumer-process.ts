import { spawnService } from '@spr/stack';
import { join } from 'node:path';

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
  const service = spawnService(MAIN, {
    name: 'payment consumer',
    env: { ...process.env, ...env },
    keepLines: KEPT_LINES,
  });
  const exited = service.exited.then(({ code, signal }) => ({ code, signal }));
  return {
    pid: service.pid,
    exited,
    lines: () => service.lines(),
    async waitForLog(message, timeoutMs = 60_000) {
      const what = `a consumer log line matching ${message}`;
      const line = await service.waitForLine((l) => typeof l.message === 'string' && message.test(l.message), {
        timeoutMs,
        what,
      });
      if (!line) throw new Error(`the consumer exited (${JSON.stringify(service.exitInfo())}) before ${what}`);
      return line;
    },
    signal: (signal) => service.signal(signal),
    stop: (graceMs = 30_000) => service.stop({ graceMs }).then(({ code, signal }) => ({ code, signal })),
  };
}

/** Resident set size of a process in MiB, from /proc. */
export function rssMb(pid: number, read: (path: string) => string): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`));
  return match ? Number(match[1]) / 1024 : 0;
}
