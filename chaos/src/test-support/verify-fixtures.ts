import type { PaymentEvent } from '@spr/contracts';
import { simulatePayments } from '@spr/payments-domain';
import { compositeKey, partitionFor } from '@spr/routing';
import { expectOutcomes } from '../verify/expected-outcomes.ts';
import type { LogRecord } from '../verify/log-record.ts';
import type { LedgerRow, LedgerSnapshot, ProcessedRow } from '../verify/read-ledger.ts';

export const TOPIC = 'chaos_spec';
const PARTITIONS = 3;

/** Log records for `events`, keyed and partitioned as the producer does, offsets in order per partition. */
export function logOf(events: readonly PaymentEvent[]): LogRecord[] {
  const next = new Map<number, bigint>();
  return events.map((event) => {
    const key = compositeKey({ entityType: event.payload.entity_type, entityId: event.payload.entity_id });
    const partition = partitionFor(key, PARTITIONS);
    const offset = next.get(partition) ?? 0n;
    next.set(partition, offset + 1n);
    return { partition, offset, key, value: Buffer.from(event.payload.event_id), decoded: { ok: true, event } };
  });
}

export const simulated = (payments: number, seed = 7) => [...simulatePayments({ payments, seed })];

export function endOffsetsOf(records: readonly LogRecord[]): Map<number, bigint> {
  const ends = new Map<number, bigint>();
  for (let p = 0; p < PARTITIONS; p++) ends.set(p, 0n);
  for (const r of records) if (r.offset + 1n > ends.get(r.partition)!) ends.set(r.partition, r.offset + 1n);
  return ends;
}

/** What a correct consumer leaves in the database for `records` (built from the model, for testing the comparison). */
export function correctSnapshot(records: readonly LogRecord[]): LedgerSnapshot {
  const expected = expectOutcomes(records);
  const processed: ProcessedRow[] = [];
  const ledger: LedgerRow[] = [];
  const deadLetters: LedgerSnapshot['deadLetters'][number][] = [];
  let id = 0n;
  records.forEach((r, i) => {
    const outcome = expected.outcomes[i];
    if (!r.decoded.ok || outcome === 'duplicate') {
      if (outcome === 'dead-lettered')
        deadLetters.push({
          partition: r.partition,
          offset: r.offset,
          value: r.value,
          reasonCode: expected.reasons[i]!,
          status: 'dead',
        });
      return;
    }
    const p = r.decoded.event.payload;
    if (outcome === 'dead-lettered') {
      deadLetters.push({
        partition: r.partition,
        offset: r.offset,
        value: r.value,
        reasonCode: expected.reasons[i]!,
        status: 'dead',
      });
      if (expected.reasons[i] === 'EVENT_ID_REUSED' || expected.reasons[i] === 'KEY_MISMATCH') return;
    }
    processed.push({
      eventId: p.event_id,
      entity: `${p.entity_type}:${p.entity_id}`,
      seq: p.seq,
      topic: TOPIC,
      partition: r.partition,
      offset: r.offset,
      outcome: outcome === 'applied' ? 'applied' : outcome === 'parked' ? 'parked' : 'dead_lettered',
    });
  });
  // Legs in the order they are posted: per payment in seq order (the model applies in that order).
  const applied = records
    .filter((_, i) => expected.outcomes[i] === 'applied')
    .map((r) => (r.decoded as { event: PaymentEvent }).event);
  applied.sort((a, b) => (a.payload.seq < b.payload.seq ? -1 : a.payload.seq > b.payload.seq ? 1 : 0));
  const balances = new Map<string, bigint>();
  for (const event of applied) {
    for (const leg of expected.legs.get(event.payload.event_id) ?? []) {
      ledger.push({
        id: ++id,
        txId: event.payload.event_id,
        paymentId: event.payload.entity_id,
        seq: event.payload.seq,
        account: leg.account,
        direction: leg.direction,
        amountMinor: leg.amountMinor,
        currency: leg.currency,
      });
      const key = `${leg.account}/${leg.currency}`;
      balances.set(key, (balances.get(key) ?? 0n) + (leg.direction === 'credit' ? leg.amountMinor : -leg.amountMinor));
    }
  }
  const ends = endOffsetsOf(records);
  const perPartition = (p: number) => BigInt(records.filter((r) => r.partition === p).length);
  return {
    processed,
    ledger,
    payments: [...expected.payments.values()].map((p) => ({
      paymentId: p.paymentId,
      state: p.state,
      amountMinor: p.amountMinor,
      authorizedMinor: p.authorizedMinor,
      capturedMinor: p.capturedMinor,
      refundedMinor: p.refundedMinor,
    })),
    progress: new Map(expected.appliedSeq),
    deadLetters,
    parked: processed
      .filter((p) => p.outcome === 'parked')
      .map((p) => ({ partition: p.partition, offset: p.offset, eventId: p.eventId, status: 'parked' })),
    offsets: [...ends].map(([partition, end]) => ({
      partition,
      nextOffset: end,
      firstOffset: 0n,
      counted: perPartition(partition),
    })),
    balances,
  };
}
