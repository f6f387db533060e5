import { describe, expect, it } from 'vitest';
import { classifyEvent } from './classify-event.ts';
import type { EventIdentity } from './types.ts';

const hash = Buffer.from('aa', 'hex');
const event = (seq: bigint, payloadHash = hash): EventIdentity => ({
  eventId: 'e-1',
  entityType: 'payment',
  entityId: 'p-1',
  seq,
  payloadHash,
});

describe('classifyEvent', () => {
  it('applies the first event of a new entity', () => {
    expect(classifyEvent(event(1n), undefined, undefined)).toEqual({ kind: 'apply' });
  });

  it('applies the next sequence number', () => {
    expect(classifyEvent(event(5n), { appliedSeq: 4n, parkedCount: 0 }, undefined)).toEqual({ kind: 'apply' });
  });

  it('skips a sequence number already applied', () => {
    expect(classifyEvent(event(4n), { appliedSeq: 4n, parkedCount: 0 }, undefined)).toEqual({
      kind: 'duplicate',
      by: 'seq',
    });
    expect(classifyEvent(event(1n), { appliedSeq: 4n, parkedCount: 0 }, undefined)).toEqual({
      kind: 'duplicate',
      by: 'seq',
    });
  });

  it('reports a gap with the sequence number it waits for', () => {
    expect(classifyEvent(event(7n), { appliedSeq: 4n, parkedCount: 0 }, undefined)).toEqual({
      kind: 'gap',
      expectedSeq: 5n,
    });
    expect(classifyEvent(event(2n), undefined, undefined)).toEqual({ kind: 'gap', expectedSeq: 1n });
  });

  it('applies the missing event of a parked entity (its parked successors drain after it)', () => {
    expect(classifyEvent(event(5n), { appliedSeq: 4n, parkedCount: 2 }, undefined)).toEqual({ kind: 'apply' });
  });

  it('recognises a redelivery by event id before looking at the sequence', () => {
    expect(
      classifyEvent(event(5n), { appliedSeq: 4n, parkedCount: 0 }, { payloadHash: hash, outcome: 'parked' }),
    ).toEqual({ kind: 'duplicate', by: 'event_id' });
  });

  it('flags an event id reused for different content', () => {
    expect(
      classifyEvent(
        event(5n, Buffer.from('bb', 'hex')),
        { appliedSeq: 5n, parkedCount: 0 },
        { payloadHash: hash, outcome: 'applied' },
      ),
    ).toEqual({
      kind: 'conflict',
      reason: 'EVENT_ID_REUSED',
      recordedOutcome: 'applied',
    });
  });
});
