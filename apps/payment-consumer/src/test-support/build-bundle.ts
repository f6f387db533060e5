import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Vitest global setup: the process tests run what is deployed, so build the bundle first. */
export default function buildBundle(): void {
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the payment consumer bundle failed:\n${result.stdout}${result.stderr}`);
}
