import { applyPaymentEvent, type Payment } from '@spr/payments-domain';
import { describe, expect, it } from 'vitest';
import { backlogShape, generateBacklog, type BacklogItem } from './backlog-generator.ts';
import { createBacklogSummariser } from './backlog-summary.ts';

const OPTIONS = { events: 20_000, payments: 300, duplicateRatio: 0.01, seed: 42 } as const;
const items: BacklogItem[] = [...generateBacklog(OPTIONS)];

describe('generateBacklog', () => {
  it('yields exactly the events asked for, 1% of them redeliveries', () => {
    expect(items).toHaveLength(OPTIONS.events);
    expect(items.filter((i) => i.redelivery)).toHaveLength(backlogShape(OPTIONS).redeliveries);
    expect(backlogShape(OPTIONS)).toEqual({ unique: 19_800, redeliveries: 200 });
  });

  it('gives every payment a valid, gap-free sequence that the payments state machine accepts', () => {
    const payments = new Map<string, { payment?: Payment; seq: bigint }>();
    for (const { event, redelivery, legs } of items) {
      if (redelivery) continue;
      const entry = payments.get(event.payload.entity_id) ?? { seq: 0n };
      expect(event.payload.seq).toBe(entry.seq + 1n);
      const step = applyPaymentEvent(entry.payment, event);
      expect(step.ok, step.ok ? '' : step.error).toBe(true);
      if (step.ok) {
        expect(step.legs).toHaveLength(legs);
        entry.payment = step.payment;
      }
      entry.seq = event.payload.seq;
      payments.set(event.payload.entity_id, entry);
    }
    expect(payments.size).toBe(OPTIONS.payments);
    const lengths = [...payments.values()].map((p) => Number(p.seq));
    // Long lifecycles: initiate, authorize, capture and many partial refunds, ~66 events per payment here.
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(4);
    expect(lengths.reduce((a, b) => a + b, 0) / lengths.length).toBeCloseTo(19_800 / 300, 5);
    expect([...payments.values()].every((p) => p.payment!.capturedMinor > 0n)).toBe(true);
  });

  it('redelivers the same event (same id, same content) after its first delivery', () => {
    const firstAt = new Map<string, number>();
    items.forEach((item, index) => {
      if (!item.redelivery) firstAt.set(item.event.payload.event_id, index);
    });
    for (const [index, item] of items.entries()) {
      if (!item.redelivery) continue;
      const original = firstAt.get(item.event.payload.event_id);
      expect(original).toBeDefined();
      expect(original!).toBeLessThan(index);
      expect(item.event).toEqual(items[original!]!.event);
    }
    expect(new Set(items.map((i) => i.event.payload.event_id)).size).toBe(19_800);
  });

  it('is deterministic for a seed', () => {
    const again = [...generateBacklog(OPTIONS)];
    expect(again.map((i) => i.event.payload.event_id)).toEqual(items.map((i) => i.event.payload.event_id));
    const other = [...generateBacklog({ ...OPTIONS, seed: 43 })];
    expect(other[0]!.event.payload.event_id).not.toBe(items[0]!.event.payload.event_id);
  });

  it('makes records of about 300 bytes (value, key and headers)', () => {
    const summariser = createBacklogSummariser();
    for (const item of items) summariser.add(item);
    const summary = summariser.summary();
    expect(summary.meanRecordBytes).toBeGreaterThan(250);
    expect(summary.meanRecordBytes).toBeLessThan(350);
    expect(summary).toMatchObject({ deliveries: 20_000, unique: 19_800, redeliveries: 200, payments: 300 });
    expect(summary.expectedLegs).toBe(2 * (19_800 - 300));
  });

  it('refuses a backlog too small for the payments asked for', () => {
    expect(() => backlogShape({ events: 100, payments: 50, duplicateRatio: 0.01 })).toThrow(/cannot give 50 payments/);
  });
});
