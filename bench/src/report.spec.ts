import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateTargets } from './bench-results.ts';
import { formatConsoleReport } from './console-report.ts';
import { renderLatencySvg, renderThroughputSvg } from './report-charts.ts';
import { CHART_FILES, renderPerformanceMarkdown } from './report-markdown.ts';
import { readResults, resultStamp, writeReport } from './results-files.ts';
import { renderBarChart } from './svg-bar-chart.ts';
import { sampleResults } from './test-support/sample-results.ts';

describe('evaluateTargets', () => {
  it('passes and misses each target on the measured figure, and says what was not measured', () => {
    const targets = evaluateTargets(sampleResults());
    const status = Object.fromEntries(targets.map((t) => [t.name, t.status]));
    expect(status).toEqual({
      'O ≥ 10× N': 'PASS',
      'O ≥ 0.5× A1': 'MISS',
      'O ≥ 0.6× B': 'PASS',
      'p99 at 5,000 events/s': 'PASS',
      'consumer RSS, steady': 'PASS',
      'consumer RSS, peak of the stall': 'MISS',
      'duplicates in O’s ledger': 'PASS',
    });
    expect(targets.find((t) => t.name === 'O ≥ 0.5× A1')!.measured).toBe('0.33× (A1 60,000/s)');
    const missing = evaluateTargets({ ...sampleResults(), ratios: {}, latency: undefined });
    expect(missing.filter((t) => t.status === 'NOT MEASURED').map((t) => t.name)).toEqual(['O ≥ 10× N', 'O ≥ 0.5× A1', 'O ≥ 0.6× B', 'p99 at 5,000 events/s']);
  });
});

describe('renderPerformanceMarkdown', () => {
  const page = renderPerformanceMarkdown(sampleResults());

  it('renders the targets, every arm, the sweep, latency, memory, duplicates, profile and gateway from the results', () => {
    expect(page).toContain('| O ≥ 0.5× A1 | O/A1 ≥ 0.5 | 0.33× (A1 60,000/s) | **MISS** |');
    expect(page).toContain(`![Throughput of each arm](${CHART_FILES.throughput})`);
    expect(page).toContain(`![Latency percentiles per rate](${CHART_FILES.latency})`);
    for (const arm of ['**A0**', '**A1**', '**B**', '**N**', '**O**']) expect(page).toContain(arm);
    expect(page).toMatch(/\| \*\*O\*\* \| [^|]+ \| 20,000 \| 20,001, 20,002, 20,003 \|/);
    expect(page).toContain('| 1,000 | 10,000 | 30 | 170 | 0 |');
    expect(page).toContain('| 5,000 (fixed) | 5,000 | 8.75 |');
    expect(page).toContain('320 MB (sampled every 250 ms)');
    expect(page).toContain('**4,000 events/s** (0.2× the steady O), 125 s, 3 backpressure pause(s)');
    expect(page).toContain('**120** events written twice in the first 50,000 events');
    expect(page).toContain('| `pg/lib/utils.js:escapeElement` | 2,500 | 10 |');
    expect(page).toContain('Skipped: gateway not available');
    expect(page).toContain('a note with a \\| pipe'.replace('\\|', '|'));
  });

  it('says loudly when it comes from a quick run, and lists failed steps', () => {
    const quick = renderPerformanceMarkdown(sampleResults({ mode: 'quick', errors: ['arm B: it broke\nstack trace'] }));
    expect(quick).toContain('> **Quick run**');
    expect(quick).toContain('- arm B: it broke');
    expect(quick).not.toContain('stack trace');
  });

  it('is a pure function of the results', () => {
    expect(renderPerformanceMarkdown(sampleResults())).toBe(page);
  });
});

describe('SVG charts', () => {
  it('draws one bar per arm and per sweep size, scaled to the largest, with escaped text', () => {
    const svg = renderThroughputSvg(sampleResults());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect x="190"/g)).toHaveLength(5 + 2);
    expect(svg).toContain('A0 (consume only)');
    expect(svg).toContain('O, chunk 1,000');
    expect(svg).not.toContain('<fast>');
    // Log scale from 1,000 to 1,000,000 over 360 px: A0 (150,000/s) is 261 px long, O (20,000/s) 156 px, N (1,500/s) 21 px.
    const widths = [...svg.matchAll(/<rect x="190" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths.slice(0, 5)).toEqual([261, 213, 177, 21, 156]);
    expect(svg).toContain('>100,000</text>');
  });

  it('scales linearly from zero by default, the largest bar taking the whole plot', () => {
    const svg = renderBarChart({ title: 't', unit: 'x', groups: [{ bars: [{ label: 'a', value: 50 }, { label: 'b', value: 200 }] }] });
    const widths = [...svg.matchAll(/<rect x="190" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([90, 360]);
  });

  it('draws p50, p99 and p99.9 for every rate', () => {
    const svg = renderLatencySvg(sampleResults());
    expect(svg.match(/<rect x="190"/g)).toHaveLength(6);
    expect(svg).toContain('5,000 events/s (fixed rate)');
  });

  it('writes "not measured" for a missing value instead of a bar', () => {
    const svg = renderBarChart({ title: 'a & b', unit: 'x', groups: [{ bars: [{ label: 'gone', value: Number.NaN }, { label: 'one', value: 1 }] }] });
    expect(svg).toContain('not measured');
    expect(svg).toContain('a &amp; b');
    expect(svg).toMatch(/<rect x="190" y="\d+" width="0"/);
  });
});

describe('results files', () => {
  it('re-renders the docs from a written results file, and refuses what is not one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spr-bench-'));
    try {
      const file = join(dir, 'latest.json');
      writeFileSync(file, JSON.stringify(sampleResults()));
      const written = writeReport(readResults(file), join(dir, 'docs'));
      expect(written.map((f) => f.slice(dir.length + 1))).toEqual(['docs/performance.md', `docs/${CHART_FILES.throughput}`, `docs/${CHART_FILES.latency}`]);
      expect(readFileSync(written[0]!, 'utf8')).toBe(renderPerformanceMarkdown(sampleResults()));
      writeFileSync(file, '{"version":2}');
      expect(() => readResults(file)).toThrow(/not a results file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('console report and file names', () => {
  it('ends with the PASS/MISS table', () => {
    const text = formatConsoleReport(sampleResults());
    expect(text).toContain('=== TARGETS ===');
    expect(text).toMatch(/MISS\s+O ≥ 0\.5× A1/);
    expect(text).toContain('2 TARGET(S) MISSED OR NOT MEASURED');
  });

  it('stamps result files by time, quick runs apart', () => {
    const at = new Date('2026-11-26T16:03:04.567Z');
    expect(resultStamp(at, 'full')).toBe('2026-11-26T16-03-04Z');
    expect(resultStamp(at, 'quick')).toBe('2026-11-26T16-03-04Z-quick');
  });
});
