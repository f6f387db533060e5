import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
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
 *
 * Every file is replaced atomically (written beside, then renamed over), and the folder itself is never removed:
 * tests and tools start `node dist/main.mjs` while another process (a second test project's setup, Nx) may be
 * rebuilding the same bundle, and a process must never see a missing or half-written file.
 */
export async function bundleApp(
  options: BundleOptions,
): Promise<{ readonly outdir: string; readonly files: readonly string[] }> {
  const outdir = resolve(options.outdir ?? join(options.projectRoot, 'dist'));
  const result = await build({
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
    write: false,
  });
  const written = new Set<string>();
  for (const file of result.outputFiles) {
    writeAtomically(file.path, file.contents);
    written.add(resolve(file.path));
  }
  const migrations = resolve(dirname(fileURLToPath(import.meta.resolve('@spr/ledger-db'))), '..', 'migrations');
  for (const file of filesUnder(migrations)) {
    const target = join(outdir, 'migrations', relative(migrations, file));
    writeAtomically(target, readFileSync(file));
    written.add(resolve(target));
  }
  // Files an earlier build left that this one did not write (a removed entry or migration) go.
  for (const file of filesUnder(outdir))
    if (!written.has(resolve(file)) && !isPartial(file)) rmSync(file, { force: true });
  return { outdir, files: options.entries.map((entry) => join(outdir, `${basename(entry, '.ts')}.mjs`)) };
}

const PARTIAL = /\.partial-\d+$/;
const isPartial = (file: string) => PARTIAL.test(file);

function writeAtomically(path: string, contents: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  // One process's writes are synchronous, so its pid keeps concurrent builds' partial files apart.
  const partial = `${path}.partial-${process.pid}`;
  writeFileSync(partial, contents);
  renameSync(partial, path);
}

function filesUnder(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
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
