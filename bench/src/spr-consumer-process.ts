import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchContext } from './bench-context.ts';
import { stopChild } from './bench-resources.ts';
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
  if (result.status !== 0) throw new Error(`building the payment consumer failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
}

export function spawnSprConsumer(ctx: BenchContext, launch: SprConsumerLaunch): SprConsumerProcess {
  const { stack } = ctx;
  const args = [...(launch.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${launch.cpuProfileDir}`] : []), sprConsumerMain(ctx.workspaceRoot, launch.fromSource)];
  const child = spawn(process.execPath, args, {
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
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  ctx.resources.track(child, 'payment consumer');
  const lines: Array<Record<string, unknown>> = [];
  let pauses = 0;
  let partial = '';
  const onData = (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      if (!line.trim()) continue;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { message: line };
      }
      const level = String(parsed.level ?? '');
      if (/^pausing fetches/.test(String(parsed.message ?? ''))) pauses++;
      if (level === 'warn' || level === 'error' || level === 'fatal' || KEPT.test(String(parsed.message ?? ''))) {
        lines.push(parsed);
        if (lines.length > KEPT_LINES) lines.shift();
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    name: 'payment consumer',
    pid: child.pid!,
    exited,
    lines: () => [...lines],
    pauses: () => pauses,
    stop: () => stopChild(child, 'payment consumer', ctx.log, 30_000),
  };
}
