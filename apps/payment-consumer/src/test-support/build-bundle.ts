import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Vitest global setup: the process tests run what is deployed, so build the bundle first when Vitest runs alone. */
export default function buildBundle(): void {
  // Under Nx the test target depends on the bundle's build, which has just run (or been restored from cache).
  if (process.env.NX_TASK_TARGET_TARGET === 'test') return;
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: join(import.meta.dirname, '..', '..'),
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`building the payment consumer bundle failed:\n${result.stdout}${result.stderr}`);
}
