import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChaosError } from './chaos-error.ts';
import { processState } from './processes.ts';
import { waitUntil } from './wait-until.ts';

/** The deployable bundle of the payment consumer, relative to the workspace root. */
export const CONSUMER_BUNDLE = join('apps', 'payment-consumer', 'dist', 'main.mjs');
const KEPT_LINES = 3_000;

export type LogLine = Record<string, unknown> & { message?: unknown };

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** One payment consumer process, as it runs in production (`node dist/main.mjs`, configured by env). */
export interface ConsumerProcess {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly exited: Promise<ExitInfo>;
  exitInfo(): ExitInfo | undefined;
  /** The last few thousand JSON log lines. */
  lines(): LogLine[];
  /** How many lines so far had exactly this message (all of them, not only the kept ones). */
  count(message: string): number;
  /** The first log line whose message matches; undefined if the process exits without writing one. */
  waitForLog(message: RegExp, options: { timeoutMs: number; signal?: AbortSignal }): Promise<LogLine | undefined>;
  signal(signal: NodeJS.Signals): void;
  /** SIGCONT (in case it is frozen) and SIGTERM; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** One-letter process state (T = stopped), undefined once it exited. */
  state(): string | undefined;
}

/** Tracks every consumer process a run started, so that all of them are ended on failure, SIGINT or exit. */
export interface ConsumerSupervisor {
  /** Starts the bundle with exactly `env` (plus PATH and HOME); its output goes to `<logDir>/<name>.log`. */
  spawn(name: string, env: Record<string, string>, logDir: string): ConsumerProcess;
  /** SIGCONT + SIGKILL to every tracked process still alive (synchronous: safe in an exit handler). */
  killAll(): void;
}

export function createConsumerSupervisor(options: { workspaceRoot: string }): ConsumerSupervisor {
  const bundle = join(options.workspaceRoot, CONSUMER_BUNDLE);
  const running = new Set<ConsumerProcess>();
  return {
    spawn(name, env, logDir) {
      if (!existsSync(bundle)) throw new ChaosError('BUNDLE', `${bundle} is missing: build it with npx nx run @spr/payment-consumer:build`);
      mkdirSync(logDir, { recursive: true });
      const member = spawnConsumer(bundle, name, env, join(logDir, `${name}.log`));
      running.add(member);
      void member.exited.then(() => running.delete(member));
      return member;
    },
    killAll() {
      for (const member of running) {
        member.signal('SIGCONT');
        member.signal('SIGKILL');
      }
    },
  };
}

function spawnConsumer(bundle: string, name: string, env: Record<string, string>, logFile: string): ConsumerProcess {
  // Only what the consumer is given: nothing leaks from the runner's own environment (e.g. another stack).
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
  const child = spawn(process.execPath, [bundle], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new ChaosError('BUNDLE', `could not start ${bundle}`);
  const pid = child.pid;
  const file = createWriteStream(logFile, { flags: 'a' });
  const lines: LogLine[] = [];
  const counts = new Map<string, number>();
  let partial = '';
  const onData = (chunk: Buffer) => {
    file.write(chunk);
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const text of complete) {
      if (!text.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { message: text };
      }
      if (typeof line.message === 'string') counts.set(line.message, (counts.get(line.message) ?? 0) + 1);
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal, at: Date.now() };
      file.end();
      resolve(exit);
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
    startedAt: Date.now(),
    exited,
    exitInfo: () => exit,
    lines: () => [...lines],
    count: (message) => counts.get(message) ?? 0,
    waitForLog: async (message, { timeoutMs, signal: abort }) => {
      const found = () => lines.find((l) => typeof l.message === 'string' && message.test(l.message));
      await waitUntil(() => found() ?? exit, { what: `${name} to log ${message}`, timeoutMs, signal: abort });
      return found();
    },
    signal,
    async stop(graceMs = 20_000) {
      if (exit) return exit;
      signal('SIGCONT');
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    state: () => (exit ? undefined : processState(pid)),
  };
}
