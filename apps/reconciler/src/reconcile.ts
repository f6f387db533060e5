import { applyPaymentEvent, type Payment } from '@spr/payments-domain';
import type { LedgerFacts } from './ledger-reader.ts';
import type { LogFacts, LoggedEvent } from './log-reader.ts';

export const ISSUE_KINDS = ['missing', 'duplicated', 'out_of_order', 'parked', 'drifted'] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];

export interface EntityIssue {
  readonly paymentId: string;
  readonly kind: IssueKind;
  readonly detail: string;
  /** Whether replaying the log (resetting the stored offsets) can fix it. */
  readonly repairable: boolean;
  /** For missing events: where they sit in the log. */
  readonly positions?: ReadonlyArray<{ readonly partition: number; readonly offset: bigint }>;
}

export interface PartitionStatus {
  readonly partition: number;
  readonly logEndOffset: bigint;
  readonly storedNextOffset: bigint | null;
  readonly lag: bigint;
}

export interface ReconciliationReport {
  readonly status: 'clean' | 'drift';
  readonly log: {
    readonly records: number;
    readonly events: number;
    readonly undecodable: number;
    readonly payments: number;
  };
  readonly ledger: {
    readonly payments: number;
    readonly appliedEvents: number;
    readonly parkedEvents: number;
    readonly deadLetters: number;
  };
  readonly partitions: readonly PartitionStatus[];
  readonly counts: Readonly<Record<IssueKind, number>> & { readonly clean: number; readonly pending: number };
  readonly balanceMismatches: number;
  readonly issues: readonly EntityIssue[];
}

/** Issues that make the ledger wrong (parked events are accounted for, waiting, not wrong). */
const DRIFT: ReadonlySet<IssueKind> = new Set(['missing', 'duplicated', 'out_of_order', 'drifted']);

const bySeq = (a: LoggedEvent, b: LoggedEvent) =>
  a.event.payload.seq < b.event.payload.seq
    ? -1
    : a.event.payload.seq > b.event.payload.seq
      ? 1
      : a.offset < b.offset
        ? -1
        : 1;

/**
 * Compares, payment by payment, what the log says with what the ledger holds. The expected state and legs are
 * recomputed from the log's events that the ledger recorded as applied, by the same pure state machine the
 * consumer uses; events the consumer has not reached yet (past the stored offset) are pending, not missing.
 */
export function reconcile(log: LogFacts, ledger: LedgerFacts): ReconciliationReport {
  const byPayment = new Map<string, LoggedEvent[]>();
  for (const logged of log.events.values()) {
    const id = logged.event.payload.entity_id;
    const list = byPayment.get(id);
    if (list) list.push(logged);
    else byPayment.set(id, [logged]);
  }

  const issues: EntityIssue[] = [];
  let clean = 0;
  let pending = 0;
  const explainedTx = new Set<string>();
  for (const [paymentId, events] of byPayment) {
    events.sort(bySeq);
    const found: EntityIssue[] = [];
    const consumed = events.filter((e) => e.offset < (ledger.nextOffsets.get(e.partition) ?? 0n));
    if (consumed.length < events.length) pending++;

    const missing = consumed.filter(
      (e) => !ledger.outcomes.has(e.event.payload.event_id) && !ledger.deadLetterIds.has(e.event.payload.event_id),
    );
    if (missing.length > 0) {
      found.push({
        paymentId,
        kind: 'missing',
        detail: `seq ${missing.map((e) => e.event.payload.seq).join(', ')} in the log but not in the ledger`,
        repairable: true,
        positions: missing.map((e) => ({ partition: e.partition, offset: e.offset })),
      });
    }

    let expected: Payment | undefined;
    let lostLegs = 0;
    for (const e of events) {
      const id = e.event.payload.event_id;
      if (ledger.outcomes.get(id) !== 'applied') continue;
      const step = applyPaymentEvent(expected, e.event);
      if (!step.ok) continue;
      expected = step.payment;
      explainedTx.add(id);
      const posted = ledger.legsByTx.get(id) ?? 0;
      if (posted > step.legs.length) {
        found.push({
          paymentId,
          kind: 'duplicated',
          detail: `${e.event.type} (seq ${e.event.payload.seq}) has ${posted} ledger legs, expected ${step.legs.length}`,
          repairable: false,
        });
      } else if (posted < step.legs.length) {
        lostLegs += step.legs.length - posted;
      }
    }
    if (ledger.outOfOrder.has(paymentId))
      found.push({ paymentId, kind: 'out_of_order', detail: 'ledger legs posted out of seq order', repairable: false });
    const parked = ledger.parked.get(paymentId) ?? 0;
    if (parked > 0)
      found.push({
        paymentId,
        kind: 'parked',
        detail: `${parked} event(s) waiting for a missing sequence number`,
        repairable: missing.length > 0,
      });

    const stored = ledger.payments.get(paymentId);
    const differences: string[] = [];
    if (expected && !stored) differences.push('no payment row');
    if (!expected && stored) differences.push(`a payment row (${stored.state}) that no applied event explains`);
    if (expected && stored) {
      if (stored.state !== expected.state) differences.push(`state ${stored.state}, expected ${expected.state}`);
      if (stored.authorizedMinor !== expected.authorizedMinor)
        differences.push(`authorized ${stored.authorizedMinor}, expected ${expected.authorizedMinor}`);
      if (stored.capturedMinor !== expected.capturedMinor)
        differences.push(`captured ${stored.capturedMinor}, expected ${expected.capturedMinor}`);
      if (stored.refundedMinor !== expected.refundedMinor)
        differences.push(`refunded ${stored.refundedMinor}, expected ${expected.refundedMinor}`);
    }
    if (lostLegs > 0) differences.push(`${lostLegs} ledger leg(s) missing`);
    if (differences.length > 0)
      found.push({ paymentId, kind: 'drifted', detail: differences.join('; '), repairable: false });

    if (found.length === 0) clean++;
    issues.push(...found);
  }

  // Legs of ledger transactions that no applied event of the log explains (a duplicated or invented row).
  for (const [txId, n] of ledger.legsByTx) {
    if (explainedTx.has(txId)) continue;
    const logged = log.events.get(txId);
    issues.push({
      paymentId: logged?.event.payload.entity_id ?? '(unknown)',
      kind: 'duplicated',
      detail: `${n} ledger leg(s) of transaction ${txId}, which no applied event of the log explains`,
      repairable: false,
    });
  }

  const counts = Object.fromEntries(
    ISSUE_KINDS.map((k) => [k, new Set(issues.filter((i) => i.kind === k).map((i) => i.paymentId)).size]),
  ) as Record<IssueKind, number>;
  const partitions = [...log.endOffsets]
    .sort(([a], [b]) => a - b)
    .map(([partition, end]) => {
      const stored = ledger.nextOffsets.get(partition) ?? null;
      return { partition, logEndOffset: end, storedNextOffset: stored, lag: end - (stored ?? 0n) };
    });
  const drift = issues.some((i) => DRIFT.has(i.kind)) || ledger.balanceMismatches > 0;
  return {
    status: drift ? 'drift' : 'clean',
    log: { records: log.records, events: log.events.size, undecodable: log.undecodable, payments: byPayment.size },
    ledger: {
      payments: ledger.payments.size,
      appliedEvents: [...ledger.outcomes.values()].filter((o) => o === 'applied').length,
      parkedEvents: [...ledger.parked.values()].reduce((a, b) => a + b, 0),
      deadLetters: ledger.deadLetters,
    },
    partitions,
    counts: { ...counts, clean, pending },
    balanceMismatches: ledger.balanceMismatches,
    issues,
  };
}

/** Where a replay must start per partition to bring back every missing event. */
export function replayPlan(report: ReconciliationReport): Map<number, bigint> {
  const plan = new Map<number, bigint>();
  for (const issue of report.issues) {
    for (const { partition, offset } of issue.positions ?? []) {
      const current = plan.get(partition);
      if (current === undefined || offset < current) plan.set(partition, offset);
    }
  }
  return plan;
}
