/**
 * CI fails when the Drizzle models and the committed migrations disagree: drizzle-kit, asked to generate the
 * next migration from the models into a copy of the migrations folder, must find nothing to do.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from './migrate.ts';

const projectRoot = join(import.meta.dirname, '..');
const copy = mkdtempSync(join(tmpdir(), 'spr-drift-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('migrations', () => {
  it('match the Drizzle models', () => {
    cpSync(MIGRATIONS_DIR, copy, { recursive: true });
    const before = readdirSync(copy).sort();
    const result = spawnSync(
      'npx',
      [
        'drizzle-kit',
        'generate',
        '--dialect',
        'postgresql',
        '--schema',
        './src/schema.ts',
        '--out',
        relative(projectRoot, copy),
        '--name',
        'drift',
      ],
      {
        cwd: projectRoot,
        encoding: 'utf8',
      },
    );
    // drizzle-kit exits 0 even when it fails, and only accepts an --out relative to the working directory.
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/Error/);
    const added = readdirSync(copy).filter((f) => !before.includes(f));
    expect(
      added,
      'the models changed without a migration; run `npx drizzle-kit generate` in libs/ledger-db and commit:\n' +
        result.stdout,
    ).toEqual([]);
    expect(result.stdout).toContain('No schema changes');
  });
});
