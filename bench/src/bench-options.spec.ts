import { describe, expect, it } from 'vitest';
import { FULL_OPTIONS, latencyRates, parseBenchArgs, QUICK_OPTIONS } from './bench-options.ts';
import { roundOrder } from './round-order.ts';

describe('parseBenchArgs', () => {
  it('runs the full benchmark by default and the quick one with --quick', () => {
    expect(parseBenchArgs([])).toEqual({ kind: 'run', options: FULL_OPTIONS });
    expect(parseBenchArgs(['--quick'])).toEqual({ kind: 'run', options: QUICK_OPTIONS });
  });

  it('re-renders from latest.json or a given file with --report-only', () => {
    expect(parseBenchArgs(['--report-only'])).toEqual({ kind: 'report-only', resultsFile: undefined });
    expect(parseBenchArgs(['--report-only', 'x.json'])).toEqual({ kind: 'report-only', resultsFile: 'x.json' });
    expect(parseBenchArgs(['--report-only=y.json'])).toEqual({ kind: 'report-only', resultsFile: 'y.json' });
  });

  it('refuses what it does not know, so a typo cannot start a long run', () => {
    expect(() => parseBenchArgs(['--quik'])).toThrow(/unknown argument/);
    expect(() => parseBenchArgs(['--report-only', 'a.json', 'b.json'])).toThrow(/no other argument/);
  });

  it('answers --help and -h whatever else is given', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseBenchArgs(['--quik', '-h'])).toEqual({ kind: 'help' });
  });

  it('names the arguments as given, followed by the usage', () => {
    expect(() => parseBenchArgs(['--quick', '--fast', 'x'])).toThrow(
      /^unknown argument\(s\): --fast x\nusage: npm run bench/,
    );
    expect(() => parseBenchArgs(['--quick=yes'])).toThrow(/^unknown argument\(s\): --quick=yes\n/);
    expect(() => parseBenchArgs(['--quick', '--report-only'])).toThrow(
      /^--report-only takes no other argument than a results file, got --quick\n/,
    );
    expect(() => parseBenchArgs(['--report-only', '--quick'])).toThrow(/got --quick\n/);
    expect(() => parseBenchArgs(['--report-only=a.json', 'b.json'])).toThrow(/got b\.json\n/);
    expect(parseBenchArgs(['--quick', '--quick'])).toEqual({ kind: 'run', options: QUICK_OPTIONS });
  });

  it('keeps the full run at the sizes the issue asks for', () => {
    expect(FULL_OPTIONS.backlog).toMatchObject({
      events: 500_000,
      payments: 10_000,
      partitions: 6,
      duplicateRatio: 0.01,
    });
    expect(FULL_OPTIONS.rounds).toBeGreaterThanOrEqual(3);
    expect(FULL_OPTIONS.stall.stallSec).toBe(60);
    expect(FULL_OPTIONS.latency.fixedRatePerSec).toBe(5_000);
  });
});

describe('latencyRates', () => {
  it('runs at 25, 50 and 75% of O’s drain rate, the light 1,000/s and the fixed 5,000/s, in full and quick runs', () => {
    for (const options of [FULL_OPTIONS, QUICK_OPTIONS])
      expect(latencyRates(options.latency, 12_037)).toEqual([3_009, 6_019, 9_028, 1_000, 5_000]);
  });

  it('runs a rate once when two coincide', () => {
    expect(latencyRates(FULL_OPTIONS.latency, 20_000)).toEqual([5_000, 10_000, 15_000, 1_000]);
  });
});

describe('roundOrder', () => {
  it('runs every arm once per round, in an order that changes from round to round', () => {
    const orders = [1, 2, 3].map(roundOrder);
    for (const order of orders) expect([...order].sort()).toEqual(['A0', 'A1', 'B', 'F', 'N', 'O']);
    expect(new Set(orders.map((o) => o.join())).size).toBe(3);
  });
});
