import type { PaymentEvent } from '@spr/contracts';
import { describe, expect, it } from 'vitest';
import { CONSUMER_MAX_MESSAGE_BYTES, expectOutcomes } from './expected-outcomes.ts';
import { logOf, simulated } from '../test-support/verify-fixtures.ts';

const lifecycle = (): PaymentEvent[] => {
  const events = simulated(80, 3);
  const byPayment = Map.groupBy(events, (e) => e.payload.entity_id);
  return [...byPayment.values()].find((e) => e.length >= 4)!;
};

describe('expectOutcomes', () => {
  it('applies a payment in seq order and posts the state machine legs', () => {
    const events = lifecycle();
    const model = expectOutcomes(logOf(events));
    expect(model.outcomes).toEqual(events.map(() => 'applied'));
    expect(model.appliedSeq.get(`payment:${events[0]!.payload.entity_id}`)).toBe(BigInt(events.length));
  });

  it('parks events after a gap and applies them once the missing one arrives', () => {
    const [first, second, ...later] = lifecycle();
    const model = expectOutcomes(logOf([first!, ...later, second!]));
    expect(model.outcomes).toEqual(['applied', ...later.map(() => 'applied'), 'applied']);
    const stuck = expectOutcomes(logOf([first!, ...later]));
    expect(stuck.outcomes).toEqual(['applied', ...later.map(() => 'parked')]);
  });

  it('skips redeliveries and old seqs, dead-letters a reused id, a refused event, a wrong key and poison', () => {
    const events = lifecycle();
    const [initiated, authorized] = events;
    const refused = {
      ...authorized!,
      payload: { ...authorized!.payload, event_id: '5a0f0000-0000-4000-8000-0000000000aa', seq: 3n, amount_minor: 1n },
    } as PaymentEvent;
    const log = logOf([
      initiated!,
      initiated!,
      { ...initiated!, payload: { ...initiated!.payload, amount_minor: 7n } } as PaymentEvent,
      authorized!,
      refused,
    ]);
    const poison = [
      { ...log[0]!, offset: 100n, key: 'payment:other' },
      { ...log[0]!, offset: 101n, decoded: { ok: false as const, reason: 'TRUNCATED' } },
      { ...log[0]!, offset: 102n, value: Buffer.alloc(CONSUMER_MAX_MESSAGE_BYTES + 1) },
    ];
    const model = expectOutcomes([...log, ...poison]);
    expect(model.outcomes).toEqual([
      'applied',
      'duplicate',
      'dead-lettered',
      'applied',
      'dead-lettered',
      'dead-lettered',
      'dead-lettered',
      'dead-lettered',
    ]);
    expect(model.reasons).toEqual([
      undefined,
      undefined,
      'EVENT_ID_REUSED',
      undefined,
      'ILLEGAL_TRANSITION',
      'KEY_MISMATCH',
      'TRUNCATED',
      'OVERSIZE',
    ]);
  });
});
