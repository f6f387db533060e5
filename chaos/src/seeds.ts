import { seededRandom } from '@spr/payments-domain';

/** A 32-bit seed derived from a base seed and labels (FNV-1a), so every run and scenario has its own stream. */
export function deriveSeed(base: number, ...labels: ReadonlyArray<string | number>): number {
  let hash = 0x811c9dc5;
  for (const ch of `${base}/${labels.join('/')}`) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The seeds of `runs` runs: the first is the base seed itself, so `--seed n` reproduces a run that printed n. */
export function runSeeds(base: number, runs: number): number[] {
  return Array.from({ length: runs }, (_, i) => (i === 0 ? base >>> 0 : deriveSeed(base, 'run', i)));
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function createRandom(seed: number): Random {
  const next = seededRandom(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
