#!/usr/bin/env node
/**
 * `npm run bench`: the performance proof (docs/design.md §7). Runs every arm on one pre-produced backlog and writes
 * bench/results/<date>.json, bench/results/latest.json, docs/performance.md and its charts; `--quick` runs the
 * same structure small and writes bench/results/<date>-quick.json only; `--report-only` re-renders the page.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findWorkspaceRoot } from '@spr/stack';
import { silenceKnownDependencyWarnings } from '@spr/observability';
import type { BenchContext } from './bench-context.ts';
import { parseBenchArgs, USAGE } from './bench-options.ts';
import { createBenchResources } from './bench-resources.ts';
import { resolveBenchStack } from './bench-stack.ts';
import { formatConsoleReport } from './console-report.ts';
import { readResults, resultStamp, writeReport, writeResults } from './results-files.ts';
import { runBench } from './run-bench.ts';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<number> {
  const command = parseBenchArgs(process.argv.slice(2));
  const workspaceRoot = findWorkspaceRoot(import.meta.dirname);
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command.kind === 'report-only') {
    const file = command.resultsFile ?? join(workspaceRoot, 'bench', 'results', 'latest.json');
    const results = readResults(file);
    if (results.mode === 'quick')
      throw new Error(`${file} holds a quick run; docs/performance.md is rendered from full runs only`);
    const written = writeReport(results, join(workspaceRoot, 'docs'));
    log(`rendered ${written.join(', ')} from ${file}`);
    process.stdout.write(formatConsoleReport(results));
    return 0;
  }

  silenceKnownDependencyWarnings();
  const { options } = command;
  const stamp = resultStamp(new Date(), options.mode);
  const workDir = join(workspaceRoot, '.spr', 'bench', stamp);
  mkdirSync(workDir, { recursive: true });
  const resources = createBenchResources();
  const abort = new AbortController();
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted++;
    if (interrupted > 1) {
      log(`${signal} again: exiting now`);
      process.exit(130);
    }
    log(`${signal}: stopping the processes this run started and cleaning up (again to exit at once)`);
    abort.abort();
    void resources.closeAll(log).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    log(`${options.mode} run; work files in ${workDir}`);
    const stack = await resolveBenchStack(log);
    const ctx: BenchContext = { options, stack, resources, workspaceRoot, workDir, log, signal: abort.signal };
    const results = await runBench(ctx);
    if (abort.signal.aborted) return 130;
    const files = writeResults(results, { workspaceRoot, stamp, workDir });
    process.stdout.write(formatConsoleReport(results));
    log(`results: ${files.join(', ')}`);
    return results.errors.length > 0 ? 1 : 0;
  } finally {
    await resources.closeAll(log);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
