import { describe, expect, it } from 'vitest';
import { simulatePayments } from './simulate-payments.ts';

describe('simulatePayments', () => {
  it('is reproducible from its seed', () => {
    const a = [...simulatePayments({ payments: 50, seed: 7 })];
    const b = [...simulatePayments({ payments: 50, seed: 7 })];
    expect(a).toEqual(b);
    expect([...simulatePayments({ payments: 50, seed: 8 })]).not.toEqual(a);
  });

  it('gives every payment contiguous sequence numbers and unique event ids, interleaving payments', () => {
    const events = [...simulatePayments({ payments: 500, seed: 1 })];
    const seqs = new Map<string, bigint[]>();
    for (const e of events) seqs.set(e.payload.entity_id, [...(seqs.get(e.payload.entity_id) ?? []), e.payload.seq]);
    expect(seqs.size).toBe(500);
    for (const list of seqs.values()) expect(list).toEqual(list.map((_, i) => BigInt(i + 1)));
    expect(new Set(events.map((e) => e.payload.event_id)).size).toBe(events.length);
    const firstTen = new Set(events.slice(0, 20).map((e) => e.payload.entity_id));
    expect(firstTen.size).toBeGreaterThan(5);
    expect(new Set(events.map((e) => e.type)).size).toBe(6);
  });
});
