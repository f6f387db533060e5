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
import { resultsWithoutFloor, sampleResults } from './test-support/sample-results.ts';

describe('evaluateTargets', () => {
  it('passes and misses each of issue 13’s targets on the measured figure, F’s p99 as the yardstick', () => {
    const targets = evaluateTargets(sampleResults());
    const status = Object.fromEntries(targets.map((t) => [t.name, t.status]));
    expect(status).toEqual({
      'O p99 ≤ 1.5× F p99 at 5,000 events/s': 'PASS',
      'O p99 at 1,000 events/s': 'PASS',
      'O p99 at half of O’s drain rate (10,000 events/s)': 'MISS',
      'O drain rate': 'PASS',
      'O ≥ 0.8× B': 'MISS',
      'O ≥ 10× N': 'PASS',
      'consumer RSS, steady': 'PASS',
      'consumer RSS, peak of the stall': 'MISS',
      'duplicates in O’s ledger': 'PASS',
    });
    const byName = (name: string) => targets.find((t) => t.name === name)!;
    expect(byName('O p99 ≤ 1.5× F p99 at 5,000 events/s').measured).toBe('1.25× (O 35 ms, F 28 ms; stretch missed)');
    expect(byName('O p99 at 1,000 events/s')).toMatchObject({ target: '≤ 30 ms', measured: '20 ms (p50 5, p99.9 30)' });
    expect(byName('O p99 at half of O’s drain rate (10,000 events/s)')).toMatchObject({
      target: '≤ 250 ms',
      measured: '300 ms (p50 75, p99.9 450)',
    });
    expect(byName('consumer RSS, peak of the stall').target).toBe('≤ 250 MB');
  });

  it('fails a latency target whose run left events unseen, and meets the stretch when O is as fast as F', () => {
    const r = sampleResults();
    const byRate = r.latency!.byRate.map((l) => (l.ratePerSec === 1_000 ? { ...l, missing: 3 } : l));
    const targets = evaluateTargets({
      ...r,
      latency: { ...r.latency!, byRate },
      ratios: { ...r.ratios, p99_O_over_F: 0.9 },
    });
    expect(targets.find((t) => t.name === 'O p99 at 1,000 events/s')).toMatchObject({
      status: 'MISS',
      measured: '20 ms (p50 5, p99.9 30, 3 not seen committed)',
    });
    expect(targets[0]).toMatchObject({ status: 'PASS', measured: '0.9× (O 35 ms, F 28 ms; stretch met)' });
  });

  it('says what was not measured: F and the light rate in results written before them', () => {
    const old = evaluateTargets(resultsWithoutFloor());
    expect(old.filter((t) => t.status === 'NOT MEASURED').map((t) => t.name)).toEqual([
      'O p99 ≤ 1.5× F p99 at 5,000 events/s',
      'O p99 at 1,000 events/s',
    ]);
    const none = evaluateTargets({ ...sampleResults(), ratios: {}, latency: undefined, eventsPerSec: {} });
    expect(none.filter((t) => t.status === 'NOT MEASURED')).toHaveLength(6);
  });
});

describe('renderPerformanceMarkdown', () => {
  const page = renderPerformanceMarkdown(sampleResults());

  it('renders the targets, every arm, the sweep, latency, memory, duplicates, profile and gateway from the results', () => {
    expect(page).toContain('| O ≥ 0.8× B | O/B ≥ 0.8 | 0.67× (B 30,000/s) | **MISS** |');
    expect(page).toContain(`![Throughput of each arm](${CHART_FILES.throughput})`);
    expect(page).toContain(`![Latency percentiles per rate](${CHART_FILES.latency})`);
    for (const arm of ['**A0**', '**A1**', '**B**', '**F**', '**N**', '**O**']) expect(page).toContain(arm);
    expect(page).toMatch(/\| \*\*O\*\* \| [^|]+ \| 20,000 \| 20,001, 20,002, 20,003 \|/);
    expect(page).toMatch(/\| \*\*F\*\* \| [^|]+ \| 40,000 \| 40,000, 40,000, 40,000 \| 0.5× \|/);
    expect(page).toContain('O/F **0.5×**');
    expect(page).toContain('| 1,000 | 10,000 | 30 | 170 | 0 |');
    expect(page).toContain('320 MB (sampled every 250 ms)');
    expect(page).toContain('**4,000 events/s** (0.2× the steady O), 125 s, 3 backpressure pause(s)');
    expect(page).toContain('**120** events written twice in the first 50,000 events');
    expect(page).toContain('| `pg/lib/utils.js:escapeElement` | 2,500 | 10 |');
    expect(page).toContain('Skipped: gateway not available');
    expect(page).toContain('a note with a \\| pipe'.replace('\\|', '|'));
  });

  it('puts O and F side by side at every rate, then each run in detail, naming each rate', () => {
    expect(page).toContain(
      '| rate (events/s) | O p50 ms | O p99 ms | O p99.9 ms | F p50 ms | F p99 ms | F p99.9 ms | O p99 ÷ F p99 |',
    );
    expect(page).toContain('| 5,000 (fixed) | 8.75 | 35 | 52.5 | 7 | 28 | 42 | 1.25× |');
    expect(page).toContain('| 1,000 (light) | 5 | 20 | 30 | 3 | 12 | 18 | 1.67× |');
    expect(page).toContain('| 10,000 (50% of O) | 75 | 300 |');
    expect(page).toContain(
      '| 5,000 (fixed) | O | 5,000 | 8.75 | 17.5 | 35 | 52.5 | 70 | 125,000 | 0 | 3 | 1.2 / 2.5 | 7 / 31.5 | 40 | 160 | 0 |',
    );
    expect(page).toContain(
      '| 5,000 (fixed) | F | 5,000 | 7 | 14 | 28 | 42 | 56 | 125,000 | 0 | 3 | 1.2 / 2.5 | 5.6 / 25.2 | 12 | 90 | – |',
    );
    expect(page).toContain(
      'The rates are 25, 50, 75% of O’s measured drain rate, a light 1,000 events/s, a fixed 5,000 events/s. At every rate F runs right after O',
    );
  });

  it('shows where O’s time goes per stage at every rate, next to the poller’s figure', () => {
    expect(page).toContain('### Where O’s time goes, per stage');
    expect(page).toContain(
      '| rate (events/s) | sampled events | intended → fetched p50 / p99 ms | fetched → began | began → committed | intended → committed (trace) | intended → committed (poller) |',
    );
    expect(page).toContain('| 5,000 (fixed) | 1,950 (1 in 64) | 2 / 3.5 | 3 / 17.5 | 4 / 8.8 | 9 / 33.3 | 8.8 / 35 |');
    const partly = sampleResults();
    const byRate = partly.latency!.byRate.map((l) =>
      l.ratePerSec === 1_000 ? { ...l, stages: { measured: false as const, reason: 'no sampled event' } } : l,
    );
    expect(renderPerformanceMarkdown({ ...partly, latency: { ...partly.latency!, byRate } })).toContain(
      '| 1,000 (light) | not measured: no sampled event | – | – | – | – | 5 / 20 |',
    );
  });

  it('renders results written before F and the stage trace, saying what they lack', () => {
    const old = renderPerformanceMarkdown(resultsWithoutFloor());
    expect(old).toContain('| 5,000 (fixed) | 8.75 | 35 | 52.5 | – | – | – | – |');
    expect(old).toContain('F, the floor, has no latency run in these results.');
    expect(old).toContain('O/F **–**');
    expect(old).toContain('| 5,000 (fixed) | O | 5,000 |');
    expect(old).not.toContain('| F | 5,000 |');
    expect(old).toContain('Not measured in this run: the results hold no stage trace');
    expect(old).toContain('The rates are 25, 50, 75% of O’s measured drain rate, a fixed 5,000 events/s.');
    expect(old).toMatch(/\| \*\*F\*\* \| [^|]+ \| – \| – \|/);
  });

  it('says when O’s consumer wrote no stage trace', () => {
    const r = sampleResults();
    const byRate = r.latency!.byRate.map((l) => ({
      ...l,
      stages: { measured: false as const, reason: 'the consumer wrote no stage trace' },
    }));
    expect(renderPerformanceMarkdown({ ...r, latency: { ...r.latency!, byRate } })).toContain(
      'Not measured in this run: the consumer wrote no stage trace.',
    );
  });

  it('renders the committed bench/results/latest.json', () => {
    const committed = readResults(join(import.meta.dirname, '..', 'results', 'latest.json'));
    const rendered = renderPerformanceMarkdown(committed);
    expect(rendered).toContain('## Latency');
    expect(rendered).toContain('### Where O’s time goes, per stage');
    expect(renderLatencySvg(committed)).toContain('</svg>');
    expect(formatConsoleReport(committed)).toContain('=== TARGETS ===');
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
    expect(svg.match(/<rect x="190"/g)).toHaveLength(6 + 2);
    expect(svg).toContain('A0 (consume only)');
    expect(svg).toContain('F (the floor)');
    expect(svg).toContain('O, chunk 1,000');
    expect(svg).not.toContain('<fast>');
    // Log scale from 1,000 to 1,000,000 over 360 px: A0 (150,000/s) is 261 px long, F (40,000/s) 192 px, O (20,000/s) 156 px, N (1,500/s) 21 px.
    const widths = [...svg.matchAll(/<rect x="190" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths.slice(0, 6)).toEqual([261, 213, 177, 192, 21, 156]);
    expect(svg).toContain('>100,000</text>');
  });

  it('scales linearly from zero by default, the largest bar taking the whole plot', () => {
    const svg = renderBarChart({
      title: 't',
      unit: 'x',
      groups: [
        {
          bars: [
            { label: 'a', value: 50 },
            { label: 'b', value: 200 },
          ],
        },
      ],
    });
    const widths = [...svg.matchAll(/<rect x="190" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([90, 360]);
  });

  it('draws p50, p99 and p99.9 of O and of F for every rate', () => {
    const svg = renderLatencySvg(sampleResults());
    expect(svg.match(/<rect x="190"/g)).toHaveLength(4 * 6);
    expect(svg).toContain('5,000 events/s (fixed rate)');
    expect(svg).toContain('>F p99.9</text>');
    expect(renderLatencySvg(resultsWithoutFloor()).match(/<rect x="190"/g)).toHaveLength(3 * 3);
  });

  it('writes "not measured" for a missing value instead of a bar', () => {
    const svg = renderBarChart({
      title: 'a & b',
      unit: 'x',
      groups: [
        {
          bars: [
            { label: 'gone', value: Number.NaN },
            { label: 'one', value: 1 },
          ],
        },
      ],
    });
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
      expect(written.map((f) => f.slice(dir.length + 1))).toEqual([
        'docs/performance.md',
        `docs/${CHART_FILES.throughput}`,
        `docs/${CHART_FILES.latency}`,
      ]);
      expect(readFileSync(written[0]!, 'utf8')).toBe(renderPerformanceMarkdown(sampleResults()));
      writeFileSync(file, '{"version":2}');
      expect(() => readResults(file)).toThrow(/not a results file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('console report and file names', () => {
  it('shows O and F side by side and O’s stages, and ends with the PASS/MISS table', () => {
    const text = formatConsoleReport(sampleResults());
    expect(text).toMatch(/5,000\s+5,000\s+8\.75\s+35\s+52\.5\s+7\s+28\s+42\s+1\.25x\s+0\/0/);
    expect(text).toContain(
      'O at 5,000/s: stages p50/p99 ms over 1950 sampled events: intended→fetched 2/3.5, fetched→began 3/17.5, began→committed 4/8.75, intended→committed 9/33.25',
    );
    expect(text).toContain('=== TARGETS ===');
    expect(text).toMatch(/MISS\s+O ≥ 0\.8× B/);
    expect(text).toContain('3 TARGET(S) MISSED OR NOT MEASURED');
    const old = formatConsoleReport(resultsWithoutFloor());
    expect(old).toMatch(/5,000\s+5,000\s+8\.75\s+35\s+52\.5\s+–\s+–\s+–\s+–\s+0\/–/);
    expect(old).toContain('O: stages not measured (no stage trace in these results)');
  });

  it('stamps result files by time, quick runs apart', () => {
    const at = new Date('2026-11-26T16:03:04.567Z');
    expect(resultStamp(at, 'full')).toBe('2026-11-26T16-03-04Z');
    expect(resultStamp(at, 'quick')).toBe('2026-11-26T16-03-04Z-quick');
  });
});
