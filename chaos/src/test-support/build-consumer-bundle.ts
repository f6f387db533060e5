import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Vitest global setup: the chaos spec runs the deployable consumer bundle, so build it first when Vitest runs alone. */
export default function buildConsumerBundle(): void {
  // Under Nx the test target depends on the bundle's build, which has just run (or been restored from cache).
  if (process.env.NX_TASK_TARGET_TARGET === 'test') return;
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: join(import.meta.dirname, '..', '..', '..', 'apps', 'payment-consumer'),
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`building the payment consumer bundle failed:\n${result.stdout}${result.stderr}`);
}
