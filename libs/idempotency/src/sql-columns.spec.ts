/** The dedupe statements name only columns the Drizzle models of @spr/ledger-db have (the schema is the truth). */
import { sqlColumnRefs, unknownColumns } from '@spr/ledger-db';
import { describe, expect, it } from 'vitest';
import { dedupeLoadStatement, dedupeWriteStatement, reclassifyStatement } from './durable-dedupe.ts';
import type { EventIdentity } from './types.ts';

const event: EventIdentity = {
  eventId: '00000000-0000-4000-8000-000000000000',
  entityType: 'payment',
  entityId: 'p-1',
  seq: 1n,
  payloadHash: Buffer.alloc(32),
};

const statements: Record<string, () => string> = {
  'the locking dedupe read': () => dedupeLoadStatement([event], { lock: true }).text,
  'the unlocked dedupe read': () => dedupeLoadStatement([event], { lock: false }).text,
  'the dedupe write and progress compare-and-set': () =>
    dedupeWriteStatement(
      [{ event, position: { topic: 'payments', partition: 0, offset: 0n }, outcome: 'applied' }],
      [{ entityType: 'payment', entityId: 'p-1', before: undefined, after: { appliedSeq: 1n, parkedCount: 0 } }],
    )!.text,
  'the reclassification': () => reclassifyStatement([event.eventId], 'applied')!.text,
};

describe('the dedupe SQL against the Drizzle models', () => {
  for (const [name, text] of Object.entries(statements)) {
    it(`${name}: every listed column exists`, () => {
      expect(sqlColumnRefs(text()).length).toBeGreaterThan(0);
      expect(unknownColumns(text())).toEqual([]);
    });
  }
});
