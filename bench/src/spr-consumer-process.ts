import { spawnService, type LogLine } from '@spr/stack';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchContext } from './bench-context.ts';
import type { ConsumerHandle } from './consumer-handle.ts';

/**
 * Arm O: the payment consumer as it is deployed, its own process running the bundle. Its lines are warnings and
 * errors, and the pause/resume lines of backpressure (the last few hundred); `stop` sends SIGTERM (the consumer
 * drains its chunk and leaves the group), SIGKILL after a grace period.
 */
export interface SprConsumerProcess extends ConsumerHandle {
  /** Backpressure pauses logged so far ("pausing fetches"). */
  pauses(): number;
}

export interface SprConsumerLaunch {
  /** Environment on top of the benchmark's own (DATABASE_URL, PAYMENTS_TOPIC, CONSUMER_GROUP, CHUNK_MAX_EVENTS…). */
  readonly env: Record<string, string>;
  /** Run with `node --cpu-prof --cpu-prof-dir=<dir>`; the profile is written when the process exits. */
  readonly cpuProfileDir?: string;
  /** Run src/main.ts instead of the bundle (so a profile names the source files). */
  readonly fromSource?: boolean;
}

const KEPT_LINES = 500;
const KEPT = /pausing|resuming|fenced|crash|failed/i;

export function sprConsumerMain(workspaceRoot: string, fromSource = false): string {
  return join(workspaceRoot, 'apps', 'payment-consumer', fromSource ? 'src/main.ts' : 'dist/main.mjs');
}

/** `npx nx run @spr/payment-consumer:build`: the bundle arm O runs (cached by Nx when nothing changed). */
export function buildSprConsumer(ctx: BenchContext): void {
  ctx.log('building the payment consumer bundle (npx nx run @spr/payment-consumer:build)…');
  const result = spawnSync('npx', ['nx', 'run', '@spr/payment-consumer:build', '--outputStyle=stream'], {
    cwd: ctx.workspaceRoot,
    env: { ...process.env, NX_DAEMON: 'false' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.status !== 0)
    throw new Error(`building the payment consumer failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
}

export function spawnSprConsumer(ctx: BenchContext, launch: SprConsumerLaunch): SprConsumerProcess {
  const { stack } = ctx;
  let pauses = 0;
  const consumer = spawnService(sprConsumerMain(ctx.workspaceRoot, launch.fromSource), {
    name: 'payment consumer',
    nodeArgs: launch.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${launch.cpuProfileDir}`] : [],
    cwd: ctx.workspaceRoot,
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      OPS_HOST: '127.0.0.1',
      OPS_PORT: '0',
      LOG_LEVEL: 'info',
      ...launch.env,
    },
    keepLines: KEPT_LINES,
    keep: (line) =>
      ['warn', 'error', 'fatal'].includes(String(line.level ?? '')) || KEPT.test(String(line.message ?? '')),
    onLine: (line: LogLine) => {
      if (/^pausing fetches/.test(String(line.message ?? ''))) pauses++;
    },
  });
  ctx.resources.track(consumer.child, 'payment consumer');
  const graceMs = 30_000;
  return {
    name: 'payment consumer',
    pid: consumer.pid,
    exited: consumer.exited.then(({ code, signal }) => ({ code, signal })),
    lines: () => consumer.lines(),
    pauses: () => pauses,
    stop: async () => {
      await consumer.stop({
        graceMs,
        onKill: () =>
          ctx.log(`payment consumer (pid ${consumer.pid}) did not exit ${graceMs} ms after SIGTERM; killing it`),
      });
    },
  };
}
