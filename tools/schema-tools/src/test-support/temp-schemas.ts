import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SCHEMAS_DIR } from '../paths.ts';

export interface TempSchemas {
  /** `<temp>/schemas`, a copy of the repo's schemas. */
  readonly dir: string;
  read(path: string): Record<string, unknown>;
  write(path: string, content: unknown): void;
  remove(): void;
}

/** A private copy of schemas/ to break in a test; paths are relative to it, e.g. `payments/PaymentCaptured/v3.avsc`. */
export function copySchemas(): TempSchemas {
  const root = mkdtempSync(join(tmpdir(), 'spr-schemas-'));
  const dir = join(root, 'schemas');
  cpSync(DEFAULT_SCHEMAS_DIR, dir, { recursive: true });
  return {
    dir,
    read: (path) => JSON.parse(readFileSync(join(dir, path), 'utf8')) as Record<string, unknown>,
    write: (path, content) =>
      writeFileSync(join(dir, path), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Runs the CLI as `npm run schemas:*` does, with this Node. */
export async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'cli.ts'), ...args], {
    env: { ...process.env, SCHEMA_REGISTRY_URL: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode ?? -1));
  });
  return { code, stdout, stderr };
}
