import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DomainSchemas } from './load-schemas.ts';
import { GENERATED_HEADER, renderDomain } from './render-domain.ts';

export interface GeneratedFile {
  /** Relative to the output directory. */
  readonly path: string;
  readonly content: string;
}

export type Generated = { ok: true; files: readonly GeneratedFile[] } | { ok: false; problems: readonly string[] };

/** The generated module of every domain plus an index re-exporting them; pure and deterministic. */
export function generateContracts(domains: readonly DomainSchemas[]): Generated {
  const files: GeneratedFile[] = [];
  for (const domain of domains) {
    try {
      files.push({ path: `${domain.domain}.ts`, content: renderDomain(domain) });
    } catch (error) {
      return {
        ok: false,
        problems: [`schemas/${domain.domain}: ${error instanceof Error ? error.message : String(error)}`],
      };
    }
  }
  const index = GENERATED_HEADER('schemas/') + domains.map((d) => `export * from './${d.domain}.ts';\n`).join('');
  return { ok: true, files: [...files, { path: 'index.ts', content: index }] };
}

/** Replaces the output directory's content with `files`: a file no longer generated must not linger. */
export function writeGenerated(outDir: string, files: readonly GeneratedFile[]): void {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const file of files) writeFileSync(join(outDir, file.path), file.content);
}

/** Files of `outDir` that differ from `files` byte for byte: changed, missing or not generated at all. */
export function generatedDrift(outDir: string, files: readonly GeneratedFile[]): string[] {
  const onDisk = existsSync(outDir) ? readdirSync(outDir) : [];
  const drift: string[] = [];
  for (const file of files) {
    const path = join(outDir, file.path);
    if (!existsSync(path)) drift.push(`${file.path} (missing)`);
    else if (!readFileSync(path).equals(Buffer.from(file.content))) drift.push(`${file.path} (differs)`);
  }
  for (const name of onDisk.filter((n) => !files.some((f) => f.path === n))) drift.push(`${name} (not generated)`);
  return drift;
}
