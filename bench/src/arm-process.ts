/**
 * A child process of the benchmark running one arm (A0, A1, B, F or N) with its own event loop, heap and CPU
 * account, like the consumer process of arm O. Configured by SPR_BENCH_ARM_CONFIG (JSON); reports over IPC
 * (first event, progress, done) and exits when the parent says stop.
 */
import { ARM_CONFIG_ENV, type ChildArmCommand, type ChildArmConfig, type ChildArmMessage } from './arm-protocol.ts';
import { createArmReporter, type ArmReporter } from './arms/arm-reporter.ts';

const send = (message: ChildArmMessage): void => void process.send?.(message);

/** Tells the benchmark why, then exits (after a moment, so the message gets out). */
function failAndExit(error: unknown): void {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
}

/** Loads only the arm's own module, so that the process's RSS is what the arm needs; returns how to close it. */
async function startArm(config: ChildArmConfig, reporter: ArmReporter): Promise<() => Promise<void>> {
  switch (config.arm) {
    case 'A0':
    case 'A1':
      return (await import('./arms/raw-consume.ts')).runRawConsume(config, config.arm === 'A1', reporter);
    case 'B':
      return (await import('./arms/postgres-ceiling.ts')).runPostgresCeiling(config, reporter);
    case 'F':
      return (await import('./arms/floor-consumer.ts')).runFloorConsumer(config, reporter, failAndExit);
    case 'N':
      return (await import('./arms/naive-consumer.ts')).runNaiveConsumer(config, reporter);
  }
}

async function main(): Promise<void> {
  const raw = process.env[ARM_CONFIG_ENV];
  if (!raw || !process.send)
    throw new Error(`arm-process.ts is started by the benchmark (fork with IPC and ${ARM_CONFIG_ENV})`);
  const config = JSON.parse(raw) as ChildArmConfig;
  const stopRequested = new Promise<void>((resolve) =>
    process.on('message', (m: ChildArmCommand) => m.type === 'stop' && resolve()),
  );
  const reporter = createArmReporter(send);
  const close = await startArm(config, reporter);
  await stopRequested;
  await close();
}

main().then(() => process.exit(0), failAndExit);
