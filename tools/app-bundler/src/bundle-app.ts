import { cpSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface BundleOptions {
  /** The app's folder (holding src/). */
  readonly projectRoot: string;
  /** Entry points relative to the project, e.g. `src/main.ts`; each becomes dist/<name>.mjs. */
  readonly entries: readonly string[];
  readonly outdir?: string;
}

/**
 * Bundles an app and everything it imports into ESM files that run with plain `node dist/main.mjs` from any
 * directory (no node_modules, no sources), and copies the ledger migrations beside them, where
 * @spr/ledger-db looks for them (MIGRATE_ON_START=true, redrive and the like).
 */
export async function bundleApp(options: BundleOptions): Promise<{ readonly outdir: string; readonly files: readonly string[] }> {
  const outdir = options.outdir ?? join(options.projectRoot, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: options.entries.map((entry) => join(options.projectRoot, entry)),
    outdir,
    outExtension: { '.js': '.mjs' },
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
  const migrations = resolve(dirname(fileURLToPath(import.meta.resolve('@spr/ledger-db'))), '..', 'migrations');
  cpSync(migrations, join(outdir, 'migrations'), { recursive: true });
  return { outdir, files: options.entries.map((entry) => join(outdir, `${basename(entry, '.ts')}.mjs`)) };
}

/** `node tools/app-bundler/src/bundle-app.ts <entry>...`, run from the app's folder (its `build` script). */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const entries = process.argv.slice(2);
  if (entries.length === 0) {
    process.stderr.write('usage: bundle-app <entry.ts>... (run in the app folder)\n');
    process.exit(2);
  }
  const { files } = await bundleApp({ projectRoot: process.cwd(), entries });
  process.stdout.write(`built ${files.join(', ')}\n`);
}
