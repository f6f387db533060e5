import { spawnService, StackError, type LogLine, type ServiceExit } from '@spr/stack';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChaosError } from './chaos-error.ts';
import { processState } from './processes.ts';

/** The deployable bundle of the payment consumer, relative to the workspace root. */
export const CONSUMER_BUNDLE = join('apps', 'payment-consumer', 'dist', 'main.mjs');
const KEPT_LINES = 3_000;

export type { LogLine };
export type ExitInfo = ServiceExit;

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
      if (!existsSync(bundle))
        throw new ChaosError('BUNDLE', `${bundle} is missing: build it with npx nx run @spr/payment-consumer:build`);
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
  const counts = new Map<string, number>();
  const count = (line: LogLine) => {
    if (typeof line.message === 'string') counts.set(line.message, (counts.get(line.message) ?? 0) + 1);
  };
  let service: ReturnType<typeof spawnService>;
  try {
    service = spawnService(bundle, { name, env: childEnv, logFile, keepLines: KEPT_LINES, onLine: count });
  } catch (error) {
    throw new ChaosError('BUNDLE', `could not start ${bundle}`, { cause: error });
  }
  const { pid } = service;
  return {
    name,
    pid,
    startedAt: service.startedAt,
    exited: service.exited,
    exitInfo: () => service.exitInfo(),
    lines: () => service.lines(),
    count: (message) => counts.get(message) ?? 0,
    waitForLog: (message, { timeoutMs, signal }) =>
      service
        .waitForLine((l) => typeof l.message === 'string' && message.test(l.message), {
          timeoutMs,
          signal,
          what: `${name} to log ${message}`,
        })
        .catch((error: unknown) => {
          if (signal?.aborted) throw new ChaosError('ABORTED', `aborted: ${String(signal.reason ?? 'stopped')}`);
          throw error instanceof StackError ? new ChaosError('TIMEOUT', error.message, { cause: error }) : error;
        }),
    signal: (sig) => service.signal(sig),
    stop: (graceMs = 20_000) => service.stop({ graceMs }),
    state: () => (service.exitInfo() ? undefined : processState(pid)),
  };
}
