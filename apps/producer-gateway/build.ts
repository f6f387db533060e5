/**
 * `npm run build`: bundles src/main.ts and everything it imports into one ESM file, dist/main.mjs, that runs with
 * plain `node dist/main.mjs` from any directory, and copies the ledger migrations beside it (for
 * MIGRATE_ON_START=true). `node build.ts <outdir>` builds elsewhere (the bundle's own test does).
 */
import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const projectRoot = import.meta.dirname;

export async function buildGateway(outdir = join(projectRoot, 'dist')): Promise<{ readonly outfile: string }> {
  rmSync(outdir, { recursive: true, force: true });
  const outfile = join(outdir, 'main.mjs');
  await build({
    entryPoints: [join(projectRoot, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // pg loads pg-native only when asked to; it is not installed.
    external: ['pg-native'],
    // CommonJS dependencies call require(); an ES module has none until it makes one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const ledgerDb = dirname(fileURLToPath(import.meta.resolve('@spr/ledger-db')));
  cpSync(resolve(ledgerDb, '..', 'migrations'), join(outdir, 'migrations'), { recursive: true });
  return { outfile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outfile } = await buildGateway(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(`built ${outfile}\n`);
}
