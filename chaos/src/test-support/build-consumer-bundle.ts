import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Vitest global setup: the chaos spec runs the deployable consumer bundle, so build it first. */
export default function buildConsumerBundle(): void {
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: join(import.meta.dirname, '..', '..', '..', 'apps', 'payment-consumer'), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the payment consumer bundle failed:\n${result.stdout}${result.stderr}`);
}
