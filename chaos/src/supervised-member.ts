import type { ConsumerProcess, ExitInfo, LogLine } from './consumer-process.ts';
import { waitUntil } from './wait-until.ts';

/** Settings of a fault a member injects into itself: its restart runs without them (the fault happened once). */
const FAULT_ENV = ['SPR_FAULT_POINT', 'SPR_FAULT_ACTION'] as const;
export const MAX_RESTARTS = 3;
export const RESTART_DELAY_MS = 1_000;

export interface SupervisedMember extends ConsumerProcess {
  /** No more restarts (the scenario is over). */
  retire(): void;
  /** How many times the supervisor restarted it after it exited on its own. */
  restarts(): number;
}

/**
 * A consumer member run as a process supervisor (systemd, Kubernetes) runs it: when it exits with an error code
 * on its own, not because it was told to stop or killed, it is started again after a second (at most three
 * times). Every such crash stays visible: each incarnation is its own process with its own log and exit code.
 * Signals and stop() go to the incarnation running now; logs and counts cover all of them.
 */
export function superviseMember(
  spawn: (name: string, env: Record<string, string>) => ConsumerProcess,
  name: string,
  env: Record<string, string>,
  log: (line: string) => void,
): SupervisedMember {
  const restartEnv = Object.fromEntries(
    Object.entries(env).filter(([key]) => !(FAULT_ENV as readonly string[]).includes(key)),
  );
  const incarnations: ConsumerProcess[] = [];
  let current: ConsumerProcess;
  let told = false;
  let retired = false;
  let pending: NodeJS.Timeout | undefined;
  let finalExit: ExitInfo | undefined;
  let settle!: (exit: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => (settle = resolve));

  const start = (incarnationName: string, incarnationEnv: Record<string, string>) => {
    const member = spawn(incarnationName, incarnationEnv);
    incarnations.push(member);
    current = member;
    void member.exited.then((exit) => {
      const crashed = exit.code !== null && exit.code !== 0;
      const restarts = incarnations.length - 1;
      if (crashed && !told && !retired && restarts < MAX_RESTARTS) {
        log(
          `${incarnationName} exited with code ${exit.code} on its own; restarting it in ${RESTART_DELAY_MS} ms, as a supervisor would`,
        );
        pending = setTimeout(() => {
          pending = undefined;
          if (told || retired) return finish(exit);
          start(`${name}-restart${restarts + 1}`, restartEnv);
        }, RESTART_DELAY_MS);
        return;
      }
      finish(exit);
    });
  };
  const finish = (exit: ExitInfo) => {
    finalExit = exit;
    settle(exit);
  };
  const tell = () => {
    told = true;
    if (pending) {
      clearTimeout(pending);
      pending = undefined;
      finish(current.exitInfo()!);
    }
  };
  start(name, env);

  const allLines = (): LogLine[] => incarnations.flatMap((m) => m.lines());
  const found = (message: RegExp) => allLines().find((l) => typeof l.message === 'string' && message.test(l.message));
  return {
    name,
    get pid() {
      return current.pid;
    },
    get startedAt() {
      return incarnations[0]!.startedAt;
    },
    exited,
    exitInfo: () => finalExit,
    lines: allLines,
    count: (message) => incarnations.reduce((n, m) => n + m.count(message), 0),
    /** Ends when the line appears, or when the incarnation running at the call exits without it. */
    async waitForLog(message, options) {
      const incarnation = current;
      await waitUntil(() => found(message) ?? incarnation.exitInfo(), {
        what: `${name} to log ${message}`,
        ...options,
      });
      return found(message);
    },
    signal(signal) {
      if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') tell();
      current.signal(signal);
    },
    async stop(graceMs) {
      tell();
      await current.stop(graceMs);
      return exited;
    },
    state: () => (finalExit ? undefined : current.state()),
    retire() {
      retired = true;
      if (pending) tell();
    },
    restarts: () => incarnations.length - 1,
  };
}
