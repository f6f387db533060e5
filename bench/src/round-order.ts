import { ARMS, type Arm } from './bench-results.ts';

/** The order of the arms in round `r` (1-based): rotated every round and reversed every other, so drift averages out. */
export function roundOrder(r: number): Arm[] {
  const shift = (r - 1) % ARMS.length;
  const rotated = [...ARMS.slice(shift), ...ARMS.slice(0, shift)];
  return r % 2 === 0 ? rotated.reverse() : rotated;
}
