import { describe, expect, it } from 'vitest';
import { waves } from './outbox-relay.ts';

const row = (id: number, entity: string) => ({ id, entity_type: 'payment', entity_id: entity });

describe('relay waves', () => {
  it("puts one row per payment in each wave, keeping each payment's rows in id order", () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'c'), row(5, 'a'), row(6, 'b')];
    expect(waves(rows).map((w) => w.map((r) => r.id))).toEqual([[1, 2, 4], [3, 6], [5]]);
  });

  it('sends rows of different payments in one wave', () => {
    expect(waves([row(1, 'a'), row(2, 'b'), row(3, 'c')])).toHaveLength(1);
    expect(waves([])).toEqual([]);
  });
});
