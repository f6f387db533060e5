import type { PaymentEvent } from '@spr/contracts';
import { applyPaymentEvent, type LedgerLeg, type Payment } from '@spr/payments-domain';
import { eventContent, type LogRecord } from './log-record.ts';

/** Where a log record must end up (docs/design.md G3): exactly one of these. */
export type Outcome = 'applied' | 'duplicate' | 'parked' | 'dead-lettered';

/**
 * The consumer's documented limit on a value (1 MiB by default); a larger value is poison whatever it holds. A
 * policy of the deployment, stated here rather than imported, so the verifier does not read the consumer's code.
 */
export const CONSUMER_MAX_MESSAGE_BYTES = 1024 * 1024;

export interface ExpectedLedger {
  /** Per record (same index as the input): its outcome, and for a dead letter why. */
  readonly outcomes: readonly Outcome[];
  readonly reasons: ReadonlyArray<string | undefined>;
  /** The legs the pure state machine posts for each applied event, by event id. */
  readonly legs: ReadonlyMap<string, readonly LedgerLeg[]>;
  /** Each payment's state after every applicable event. */
  readonly payments: ReadonlyMap<string, Payment>;
  /** Each entity's (`type:id`) last applied or spent sequence number. */
  readonly appliedSeq: ReadonlyMap<string, bigint>;
}

interface EntityModel {
  appliedSeq: bigint;
  payment?: Payment;
  parked: Array<{ index: number; seq: bigint }>;
}

/**
 * What the log implies, from the contract alone (docs/design.md G1–G3), never from the consumer's code: per partition
 * in offset order, poison (too large, undecodable, a key that does not name the event's entity) is dead-lettered;
 * an event id seen before is a duplicate when its content is the same and dead-lettered when it differs; per
 * entity, `seq <= applied` is a duplicate, `applied + 1` is applied through the pure state machine (a refused
 * event is dead-lettered and spends its seq), and anything beyond waits parked until its predecessor arrives.
 */
export function expectOutcomes(records: readonly LogRecord[]): ExpectedLedger {
  const outcomes: Outcome[] = new Array(records.length);
  const reasons: Array<string | undefined> = new Array(records.length).fill(undefined);
  const legs = new Map<string, readonly LedgerLeg[]>();
  const seen = new Map<string, string>();
  const entities = new Map<string, EntityModel>();
  const order = [...records.keys()].sort(
    (a, b) => records[a]!.partition - records[b]!.partition || (records[a]!.offset < records[b]!.offset ? -1 : 1),
  );

  const deadLetter = (index: number, reason: string) => {
    outcomes[index] = 'dead-lettered';
    reasons[index] = reason;
  };

  const apply = (entity: EntityModel, index: number, event: PaymentEvent) => {
    entity.appliedSeq = event.payload.seq;
    const step = applyPaymentEvent(entity.payment, event);
    if (!step.ok) return deadLetter(index, step.reason);
    entity.payment = step.payment;
    outcomes[index] = 'applied';
    if (step.legs.length > 0) legs.set(event.payload.event_id, step.legs);
  };

  const drainParked = (entity: EntityModel) => {
    entity.parked.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : a.index - b.index));
    while (entity.parked.length > 0 && entity.parked[0]!.seq === entity.appliedSeq + 1n) {
      const { index } = entity.parked.shift()!;
      apply(entity, index, (records[index]!.decoded as { event: PaymentEvent }).event);
    }
  };

  for (const index of order) {
    const record = records[index]!;
    if ((record.value?.length ?? 0) > CONSUMER_MAX_MESSAGE_BYTES) {
      deadLetter(index, 'OVERSIZE');
      continue;
    }
    if (!record.decoded.ok) {
      deadLetter(index, record.decoded.reason);
      continue;
    }
    const { event } = record.decoded;
    const p = event.payload;
    const entityKey = `${p.entity_type}:${p.entity_id}`;
    if (record.key !== entityKey) {
      deadLetter(index, 'KEY_MISMATCH');
      continue;
    }
    const content = eventContent(event);
    const earlier = seen.get(p.event_id);
    if (earlier !== undefined) {
      if (earlier === content) outcomes[index] = 'duplicate';
      else deadLetter(index, 'EVENT_ID_REUSED');
      continue;
    }
    let entity = entities.get(entityKey);
    if (!entity) entities.set(entityKey, (entity = { appliedSeq: 0n, parked: [] }));
    if (p.seq <= entity.appliedSeq) {
      outcomes[index] = 'duplicate';
      continue;
    }
    seen.set(p.event_id, content);
    if (p.seq > entity.appliedSeq + 1n) {
      outcomes[index] = 'parked';
      entity.parked.push({ index, seq: p.seq });
      continue;
    }
    apply(entity, index, event);
    drainParked(entity);
  }

  const payments = new Map<string, Payment>();
  const appliedSeq = new Map<string, bigint>();
  for (const [key, entity] of entities) {
    appliedSeq.set(key, entity.appliedSeq);
    if (entity.payment) payments.set(entity.payment.paymentId, entity.payment);
  }
  return { outcomes, reasons, legs, payments, appliedSeq };
}
