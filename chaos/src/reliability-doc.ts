import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { runTable, summaryTable, type ChaosResults } from './chaos-results.ts';

export const RESULTS_START =
  '<!-- chaos-results:start (written by `npm run chaos` from chaos/results/latest.json; edits inside are replaced) -->';
export const RESULTS_END = '<!-- chaos-results:end -->';

/** The generated part of docs/reliability.md: what ran, the summary over runs, each run's table. */
export function renderResultsSection(results: ChaosResults): string {
  const o = results.options;
  const failed = results.runs.flatMap((r) =>
    r.scenarios.filter((s) => !s.passed).map((s) => `- run seed ${r.seed}, **${s.name}**: ${s.failures.join('; ')}`),
  );
  const findings = results.runs.flatMap((r) =>
    r.scenarios.flatMap((s) => s.findings.map((f) => `- run seed ${r.seed}, **${s.name}**: ${f}`)),
  );
  return [
    RESULTS_START,
    '',
    `Generated ${results.generatedAt} by \`${results.command}\`: ${results.runs.length} run(s), seeds ${results.runs.map((r) => r.seed).join(', ')}` +
      `${o.quick ? ', quick loads' : ''}, ${o.stack === 'own' ? "the suite's own stack" : 'the services from the environment'}; ` +
      `${results.machine.cpus} CPUs, Node ${results.machine.node}; ${Math.round(results.totalSeconds / 60)} min in all. ` +
      `**${results.passed ? 'Every scenario passed.' : 'Some scenarios failed.'}**`,
    '',
    'Summed over the runs (recovery: median, min–max over the runs):',
    '',
    summaryTable(results),
    '',
    ...(failed.length > 0 ? ['Failures:', '', ...failed, ''] : []),
    ...(findings.length > 0
      ? ['Findings (reported, not failures: nothing lost, duplicated or reordered):', '', ...findings, '']
      : []),
    ...results.runs.flatMap((run) => [
      `<details><summary>Run with seed ${run.seed}: ${run.passed ? 'passed' : 'FAILED'} in ${Math.round(run.durationSeconds / 60)} min</summary>`,
      '',
      runTable(run),
      '',
      '</details>',
      '',
    ]),
    RESULTS_END,
  ].join('\n');
}

/** Replaces the generated section of `path` (appending it under a heading if the document has none yet). */
export function updateReliabilityDoc(path: string, results: ChaosResults): void {
  const section = renderResultsSection(results);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Reliability\n';
  const start = text.indexOf(RESULTS_START.slice(0, RESULTS_START.indexOf('(')).trimEnd());
  const end = text.indexOf(RESULTS_END);
  const updated =
    start >= 0 && end > start
      ? `${text.slice(0, start)}${section}${text.slice(end + RESULTS_END.length)}`
      : `${text.trimEnd()}\n\n## Latest results\n\n${section}\n`;
  writeFileSync(path, updated);
}
