import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BenchResults } from './bench-results.ts';
import { renderLatencySvg, renderThroughputSvg } from './report-charts.ts';
import { CHART_FILES, renderPerformanceMarkdown } from './report-markdown.ts';

/** `2026-11-26T16-03-00Z`, plus `-quick` for a quick run: a results file name that sorts by time. */
export function resultStamp(date: Date, mode: BenchResults['mode']): string {
  return `${date.toISOString().slice(0, 19).replace(/:/g, '-')}Z${mode === 'quick' ? '-quick' : ''}`;
}

export function readResults(file: string): BenchResults {
  let parsed: BenchResults;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  } catch (error) {
    throw new Error(`cannot read benchmark results from ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (parsed.version !== 1 || !parsed.machine || !Array.isArray(parsed.targets))
    throw new Error(`${file} is not a results file of this benchmark (version 1)`);
  return parsed;
}

/** docs/performance.md and its charts, into `dir`; returns the files written. */
export function writeReport(results: BenchResults, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    [join(dir, 'performance.md'), renderPerformanceMarkdown(results)],
    [join(dir, CHART_FILES.throughput), renderThroughputSvg(results)],
    [join(dir, CHART_FILES.latency), renderLatencySvg(results)],
  ];
  for (const [file, text] of files) writeFileSync(file, text);
  return files.map(([file]) => file);
}

/**
 * A full run writes bench/results/<stamp>.json, bench/results/latest.json and the docs; a quick run writes
 * bench/results/<stamp>-quick.json and a preview of the docs in its work folder, never latest.json or docs/.
 */
export function writeResults(
  results: BenchResults,
  where: { readonly workspaceRoot: string; readonly stamp: string; readonly workDir: string },
): string[] {
  const resultsDir = join(where.workspaceRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const written = [join(resultsDir, `${where.stamp}.json`)];
  writeFileSync(written[0]!, json);
  if (results.mode === 'full') {
    writeFileSync(join(resultsDir, 'latest.json'), json);
    written.push(join(resultsDir, 'latest.json'), ...writeReport(results, join(where.workspaceRoot, 'docs')));
  } else {
    written.push(...writeReport(results, join(where.workDir, 'preview')));
  }
  return written.map((f) => relative(where.workspaceRoot, f));
}
