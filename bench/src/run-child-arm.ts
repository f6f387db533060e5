import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ARM_CONFIG_ENV, type ChildArmConfig, type ChildArmMessage } from './arm-protocol.ts';
import { armRun, type ArmRun } from './arm-run.ts';
import type { BenchContext } from './bench-context.ts';
import { stopChild } from './bench-resources.ts';
import { sleep } from './clock.ts';
import type { ConsumerHandle } from './consumer-handle.ts';
import { cpuDelta, cpuSnapshot, readMemory, type CpuSnapshot } from './process-stats.ts';

const ARM_PROCESS = join(import.meta.dirname, 'arm-process.ts');

interface ForkedArm {
  readonly child: ChildProcess;
  readonly exited: ConsumerHandle['exited'];
  /** Asked to stop, it leaves its group and closes its pool; SIGTERM (then SIGKILL) only if it does not. */
  stop(): Promise<void>;
}

/** Forks arm-process.ts with the arm's config, tracked so that the run stops it whatever happens. */
function forkArm(ctx: BenchContext, config: ChildArmConfig): ForkedArm {
  const name = `arm ${config.arm}`;
  const child = fork(ARM_PROCESS, [], {
    env: { ...process.env, [ARM_CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  ctx.resources.track(child, name);
  const exited: ForkedArm['exited'] = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    async stop() {
      if (child.connected) child.send({ type: 'stop' });
      await Promise.race([exited, sleep(10_000)]);
      await stopChild(child, name, ctx.log);
    },
  };
}

/**
 * Runs A0, A1, B, F or N in a child process until it reports done (or `timeoutMs` passes), measuring the CPU
 * of the child, the JVMs and PostgreSQL between its first event and its last, and the child's peak RSS.
 */
export async function runChildArm(ctx: BenchContext, config: ChildArmConfig, timeoutMs: number): Promise<ArmRun> {
  const { stack, log } = ctx;
  const arm = forkArm(ctx, config);
  const { child } = arm;
  const snapshot = () => cpuSnapshot(child.pid, stack.javaPids, stack.postgresPid);
  try {
    return await new Promise<ArmRun>((resolve, reject) => {
      let cpuAtFirst: CpuSnapshot | undefined;
      const timer = setTimeout(
        () => reject(new Error(`arm ${config.arm} did not finish within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      const onAbort = () => reject(new Error('interrupted'));
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      child.on('message', (message: ChildArmMessage) => {
        switch (message.type) {
          case 'first':
            cpuAtFirst = snapshot();
            break;
          case 'progress':
            log(
              `  ${config.arm}: ${message.count.toLocaleString('en-US')} of ${config.events.toLocaleString('en-US')} events`,
            );
            break;
          case 'done': {
            const cpu = cpuDelta(cpuAtFirst ?? snapshot(), snapshot());
            const peak = readMemory(child.pid!)?.hwmMb ?? 0;
            settle();
            resolve(armRun(config.arm, message.count, message.firstAt, message.doneAt, cpu, peak));
            break;
          }
          case 'failed':
            settle();
            reject(new Error(`arm ${config.arm} failed: ${message.error}`));
            break;
        }
      });
      child.once('exit', (code, signal) => {
        settle();
        reject(new Error(`arm ${config.arm} exited (code ${code}, signal ${signal}) before it was done`));
      });
    });
  } finally {
    await arm.stop();
  }
}

/**
 * Starts a child arm that runs until it is stopped (F in the latency runs), as a handle for the offset watchers;
 * a failure it reports becomes its last line, so a watcher that sees it exit can say why.
 */
export function startChildArm(ctx: BenchContext, config: ChildArmConfig): ConsumerHandle {
  const arm = forkArm(ctx, config);
  const lines: Array<Record<string, unknown>> = [];
  arm.child.on('message', (message: ChildArmMessage) => {
    if (message.type === 'failed') lines.push({ level: 'error', message: message.error });
  });
  return {
    name: `arm ${config.arm}`,
    pid: arm.child.pid!,
    exited: arm.exited,
    lines: () => [...lines],
    stop: () => arm.stop(),
  };
}
