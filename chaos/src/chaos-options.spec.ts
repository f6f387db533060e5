import { describe, expect, it } from 'vitest';
import { ChaosError } from './chaos-error.ts';
import { parseChaosOptions, selectScenarios } from './chaos-options.ts';
import { deriveSeed, runSeeds } from './seeds.ts';

describe('parseChaosOptions', () => {
  it('reads every option, in both --flag value and --flag=value forms', () => {
    expect(
      parseChaosOptions([
        '--seed',
        '42',
        '--runs=3',
        '--scenarios',
        'zombie,sigkill-*',
        '--quick',
        '--stack',
        'env',
        '--no-docs',
        '--no-build',
      ]),
    ).toMatchObject({
      seed: 42,
      runs: 3,
      scenarios: ['zombie', 'sigkill-*'],
      quick: true,
      stack: 'env',
      docs: undefined,
      build: false,
    });
  });

  it('draws a seed when none is given, and rejects what it does not understand', () => {
    expect(parseChaosOptions([], () => 9).seed).toBe(9);
    expect(() => parseChaosOptions(['--runs', '0'])).toThrow(ChaosError);
    expect(() => parseChaosOptions(['--stack', 'shared'])).toThrow(/own or env/);
    expect(() => parseChaosOptions(['--bogus'])).toThrow(/unknown argument --bogus/);
  });

  it('keeps the defaults, -h, --out/--docs, and lets a later flag win', () => {
    expect(parseChaosOptions([], () => 1)).toEqual({
      seed: 1,
      runs: 1,
      scenarios: [],
      quick: false,
      stack: 'own',
      out: 'chaos/results/latest.json',
      docs: 'docs/reliability.md',
      build: true,
      list: false,
      help: false,
    });
    expect(parseChaosOptions(['-h']).help).toBe(true);
    expect(parseChaosOptions(['--help', '--list'])).toMatchObject({ help: true, list: true });
    expect(parseChaosOptions(['--out', 'a.json', '--docs=b.md'])).toMatchObject({ out: 'a.json', docs: 'b.md' });
    expect(parseChaosOptions(['--docs', 'b.md', '--no-docs']).docs).toBeUndefined();
    expect(parseChaosOptions(['--no-docs', '--docs', 'b.md']).docs).toBe('b.md');
    expect(parseChaosOptions(['--scenarios', ' zombie , ,poison ']).scenarios).toEqual(['zombie', 'poison']);
  });

  it('names the flag and what it needs for every bad value', () => {
    expect(() => parseChaosOptions(['--seed'])).toThrow('--seed needs an integer >= 0, got nothing');
    expect(() => parseChaosOptions(['--seed', '--runs'])).toThrow('--seed needs an integer >= 0, got --runs');
    for (const bad of ['1e3', '0x10', '-1', '1.5', ''])
      expect(() => parseChaosOptions([`--seed=${bad}`]), bad).toThrow(
        `--seed needs an integer >= 0, got ${bad || 'nothing'}`,
      );
    expect(() => parseChaosOptions(['--runs', '0'])).toThrow('--runs needs an integer >= 1, got 0');
    expect(() => parseChaosOptions(['--scenarios'])).toThrow('--scenarios needs a comma-separated list of names');
    expect(() => parseChaosOptions(['--stack'])).toThrow('--stack must be own or env, got nothing');
    expect(() => parseChaosOptions(['--out'])).toThrow('--out needs a file name');
    expect(() => parseChaosOptions(['--docs='])).toThrow('--docs needs a file name');
    expect(() => parseChaosOptions(['--quick=yes'])).toThrow('--quick takes no value, got yes');
    expect(() => parseChaosOptions(['zombie'])).toThrow(/^unknown argument zombie\nusage: npm run chaos/);
    expect(() => parseChaosOptions(['-x'])).toThrow(/unknown argument -x/);
  });
});

describe('selectScenarios', () => {
  const catalogue = [{ name: 'sigkill-after-fetch' }, { name: 'sigkill-mid-insert' }, { name: 'zombie' }];
  it('selects by name and by prefix, in catalogue order', () => {
    expect(selectScenarios(catalogue, ['zombie', 'sigkill-*']).map((s) => s.name)).toEqual([
      'sigkill-after-fetch',
      'sigkill-mid-insert',
      'zombie',
    ]);
    expect(selectScenarios(catalogue, []).length).toBe(3);
    expect(() => selectScenarios(catalogue, ['nope'])).toThrow(/known: sigkill-after-fetch/);
  });
});

describe('seeds', () => {
  it('keeps the base seed for the first run and derives distinct, reproducible ones for the others', () => {
    const seeds = runSeeds(42, 3);
    expect(seeds[0]).toBe(42);
    expect(new Set(seeds).size).toBe(3);
    expect(runSeeds(42, 3)).toEqual(seeds);
    expect(deriveSeed(42, 'zombie')).not.toBe(deriveSeed(42, 'poison'));
  });
});
