import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleApp } from './bundle-app.ts';

const consumer = join(import.meta.dirname, '..', '..', '..', 'apps', 'payment-consumer');
const outdir = mkdtempSync(join(tmpdir(), 'spr-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('bundleApp', () => {
  it('replaces a bundle in place: a process starting it meanwhile never finds it missing or half-written', async () => {
    const { files } = await bundleApp({ projectRoot: consumer, entries: ['src/main.ts'], outdir });
    const main = files[0]!;
    const complete = readFileSync(main, 'utf8');
    writeFileSync(join(outdir, 'stale.mjs'), 'left by an earlier build');

    // What `node dist/main.mjs` would read at any moment of a rebuild, sampled as often as the event loop allows
    // (esbuild works in its own process, so the loop keeps turning).
    const seen = { reads: 0, missing: 0, partial: 0 };
    let rebuilding = true;
    const sample = async () => {
      while (rebuilding) {
        seen.reads++;
        if (!existsSync(main)) seen.missing++;
        else if (readFileSync(main, 'utf8').length !== complete.length) seen.partial++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const sampling = sample();
    await Promise.all([
      bundleApp({ projectRoot: consumer, entries: ['src/main.ts'], outdir }),
      bundleApp({ projectRoot: consumer, entries: ['src/main.ts'], outdir }),
    ]).finally(() => (rebuilding = false));
    await sampling;

    expect(seen.reads).toBeGreaterThan(10);
    expect(seen).toMatchObject({ missing: 0, partial: 0 });
    expect(readFileSync(main, 'utf8')).toBe(complete);
    expect(existsSync(join(outdir, 'stale.mjs'))).toBe(false);
    expect(readdirSync(join(outdir, 'migrations')).some((f) => f.endsWith('.sql'))).toBe(true);
    expect(readdirSync(outdir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });
});
