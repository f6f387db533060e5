import type { PaymentEvent } from '@spr/contracts';
import { describe, expect, it } from 'vitest';
import { correctSnapshot, endOffsetsOf, logOf, simulated, TOPIC } from '../test-support/verify-fixtures.ts';
import { verifyLedger } from './verify-ledger.ts';
import type { LedgerSnapshot } from './read-ledger.ts';

const events = simulated(60);
const records = logOf(events);
const verify = (db: LedgerSnapshot, log = records) =>
  verifyLedger(log, db, { topic: TOPIC, endOffsets: endOffsetsOf(log) });
const firstWithLegs = (db: LedgerSnapshot) => db.ledger[0]!.txId;

describe('verifyLedger', () => {
  it('passes a database that holds exactly what the log implies', () => {
    const v = verify(correctSnapshot(records));
    expect(v.failures).toEqual([]);
    expect(v).toMatchObject({
      events: records.length,
      applied: records.length,
      duplicatesSkipped: 0,
      lost: 0,
      duplicated: 0,
      gaps: 0,
      orderViolations: 0,
      sumsEqual: true,
      offsetsAtEnd: true,
    });
  });

  it('counts an event whose outcome and effects are missing as lost (and its entity as a gap)', () => {
    const db = correctSnapshot(records);
    const victim = firstWithLegs(db);
    const v = verify({
      ...db,
      processed: db.processed.filter((p) => p.eventId !== victim),
      ledger: db.ledger.filter((l) => l.txId !== victim),
    });
    expect(v.lost).toBe(2); // no outcome for its record, and its legs are missing
    expect(v.gaps).toBe(1);
    expect(v.sumsEqual).toBe(false);
  });

  it('counts legs posted twice as duplicated', () => {
    const db = correctSnapshot(records);
    const victim = firstWithLegs(db);
    const again = db.ledger.filter((l) => l.txId === victim).map((l, i) => ({ ...l, id: 10_000n + BigInt(i) }));
    const v = verify({ ...db, ledger: [...db.ledger, ...again] });
    expect(v.duplicated).toBe(1);
    expect(v.sumsEqual).toBe(false);
  });

  it('counts a payment whose legs were posted out of seq order', () => {
    const db = correctSnapshot(records);
    const byPayment = Map.groupBy(db.ledger, (l) => l.paymentId);
    const [paymentId, legs] = [...byPayment].find(([, l]) => new Set(l.map((x) => x.seq)).size > 1)!;
    const reversed = [...legs].reverse().map((l, i) => ({ ...l, id: legs[i]!.id }));
    const v = verify({
      ...db,
      ledger: [...db.ledger.filter((l) => l.paymentId !== paymentId), ...reversed].sort((a, b) =>
        a.id < b.id ? -1 : 1,
      ),
    });
    expect(v.orderViolations).toBe(1);
  });

  it('accounts redeliveries of the same event as duplicates, and flags a stored offset short of the log end', () => {
    const retried = logOf([...events, ...events.slice(0, 10)]);
    const db = correctSnapshot(retried);
    expect(verify(db, retried)).toMatchObject({ duplicatesSkipped: 10, lost: 0, duplicated: 0, failures: [] });
    const short = {
      ...db,
      offsets: db.offsets.map((o, i) =>
        i === 0 ? { ...o, nextOffset: o.nextOffset - 1n, counted: o.counted - 1n } : o,
      ),
    };
    expect(verify(short, retried).offsetsAtEnd).toBe(false);
  });

  it('flags a good event dead-lettered (e.g. during a registry outage) as misclassified, and its effects as lost', () => {
    const db = correctSnapshot(records);
    const victim = firstWithLegs(db);
    const p = db.processed.find((r) => r.eventId === victim)!;
    const v = verify({
      ...db,
      processed: db.processed.map((r) => (r === p ? { ...r, outcome: 'dead_lettered' as const } : r)),
      deadLetters: [
        ...db.deadLetters,
        {
          partition: p.partition,
          offset: p.offset,
          value: records.find((r) => r.partition === p.partition && r.offset === p.offset)!.value,
          reasonCode: 'REGISTRY_UNAVAILABLE',
          status: 'dead',
        },
      ],
      ledger: db.ledger.filter((l) => l.txId !== victim),
    });
    expect(v.misclassified).toBe(1);
    expect(v.failures.length).toBeGreaterThan(0);
  });

  it('accepts an event id reused with another payload as dead-lettered, not applied', () => {
    const original = events.find((e) => e.type === 'PaymentInitiated')!;
    const reused = { ...original, payload: { ...original.payload, amount_minor: 1n } } as PaymentEvent;
    const log = logOf([...events, reused]);
    const v = verify(correctSnapshot(log), log);
    expect(v).toMatchObject({ deadLettered: 1, lost: 0, misclassified: 0, failures: [] });
    expect(v.deadLetterReasons).toEqual({ EVENT_ID_REUSED: 1 });
  });
});
