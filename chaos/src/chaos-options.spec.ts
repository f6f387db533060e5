import { describe, expect, it } from 'vitest';
import { ChaosError } from './chaos-error.ts';
import { parseChaosOptions, selectScenarios } from './chaos-options.ts';
import { deriveSeed, runSeeds } from './seeds.ts';

describe('parseChaosOptions', () => {
  it('reads every option, in both --flag value and --flag=value forms', () => {
    expect(parseChaosOptions(['--seed', '42', '--runs=3', '--scenarios', 'zombie,sigkill-*', '--quick', '--stack', 'env', '--no-docs', '--no-build'])).toMatchObject({
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
});

describe('selectScenarios', () => {
  const catalogue = [{ name: 'sigkill-after-fetch' }, { name: 'sigkill-mid-insert' }, { name: 'zombie' }];
  it('selects by name and by prefix, in catalogue order', () => {
    expect(selectScenarios(catalogue, ['zombie', 'sigkill-*']).map((s) => s.name)).toEqual(['sigkill-after-fetch', 'sigkill-mid-insert', 'zombie']);
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
