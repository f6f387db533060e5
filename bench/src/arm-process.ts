/**
 * A child process of the benchmark running one arm (A0, A1, B or N) with its own event loop, heap and CPU
 * account, like the consumer process of arm O. Configured by SPR_BENCH_ARM_CONFIG (JSON); reports over IPC
 * (first event, progress, done) and exits when the parent says stop.
 */
import { ARM_CONFIG_ENV, type ChildArmCommand, type ChildArmConfig, type ChildArmMessage } from './arm-protocol.ts';
import { createArmReporter } from './arms/arm-reporter.ts';
import { runNaiveConsumer } from './arms/naive-consumer.ts';
import { runPostgresCeiling } from './arms/postgres-ceiling.ts';
import { runRawConsume } from './arms/raw-consume.ts';

const send = (message: ChildArmMessage): void => void process.send?.(message);

async function main(): Promise<void> {
  const raw = process.env[ARM_CONFIG_ENV];
  if (!raw || !process.send) throw new Error(`arm-process.ts is started by the benchmark (fork with IPC and ${ARM_CONFIG_ENV})`);
  const config = JSON.parse(raw) as ChildArmConfig;
  const stopRequested = new Promise<void>((resolve) => process.on('message', (m: ChildArmCommand) => m.type === 'stop' && resolve()));
  const reporter = createArmReporter(send);
  const close =
    config.arm === 'A0' ? await runRawConsume(config, false, reporter)
    : config.arm === 'A1' ? await runRawConsume(config, true, reporter)
    : config.arm === 'B' ? await runPostgresCeiling(config, reporter)
    : await runNaiveConsumer(config, reporter);
  await stopRequested;
  await close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100);
  },
);
