import type { LedgerLeg } from '@spr/payments-domain';
import { expectOutcomes, type Outcome } from './expected-outcomes.ts';
import { eventContent, positionKey, type LogRecord } from './log-record.ts';
import type { LedgerSnapshot } from './read-ledger.ts';

/** What the verifier found for one scenario (docs/design.md §8). A scenario passes only with `failures` empty. */
export interface Verification {
  /** Records in the log. */
  readonly events: number;
  readonly applied: number;
  readonly duplicatesSkipped: number;
  readonly parked: number;
  readonly deadLettered: number;
  /** Records neither applied, parked, dead-lettered nor a redelivery of one of those; plus applied events whose legs are missing. */
  readonly lost: number;
  /** Events whose legs are posted more than the state machine posts for them, legs no applied event explains, records accounted twice. */
  readonly duplicated: number;
  /** Entities whose applied sequence is not contiguous 1..n, or not the n the log implies. */
  readonly gaps: number;
  /** Payments whose ledger legs were posted out of seq order. */
  readonly orderViolations: number;
  /** Records accounted differently from what the log implies (e.g. a good event dead-lettered during an outage). */
  readonly misclassified: number;
  /** Database rows that point at no record of the log, or at another event than the record there. */
  readonly phantoms: number;
  /** Dead letters whose stored raw value differs from the record's. */
  readonly rawMismatches: number;
  /** Payments whose state or amounts differ from what the events imply. */
  readonly driftedPayments: number;
  /** Accounts whose balance differs from their legs or from what the events imply. */
  readonly balanceMismatches: number;
  readonly sumsEqual: boolean;
  readonly amounts: { readonly captured: AmountCheck; readonly refunded: AmountCheck; readonly ledgerNet: string };
  /** Stored next_offset = log end offset on every partition. */
  readonly offsetsAtEnd: boolean;
  /** Per partition: applied + duplicates + parked + dead-lettered counters = next_offset - first_offset (G3). */
  readonly countersBalanced: boolean;
  readonly deadLetterReasons: Readonly<Record<string, number>>;
  readonly failures: readonly string[];
  /** A few examples of each kind of problem, for the report. */
  readonly samples: Readonly<Record<string, readonly string[]>>;
}

export interface AmountCheck {
  readonly expected: string;
  readonly actual: string;
}

const SAMPLES = 5;

const describe = (r: LogRecord) => {
  const where = `${r.partition}@${r.offset}`;
  if (!r.decoded.ok) return `${where} (${r.decoded.reason})`;
  const p = r.decoded.event.payload;
  return `${where} ${r.decoded.event.type} ${p.entity_id} seq ${p.seq} id ${p.event_id}`;
};

const legKey = (account: string, currency: string) => `${account}/${currency}`;
const signed = (leg: Pick<LedgerLeg, 'direction' | 'amountMinor'>) =>
  leg.direction === 'credit' ? leg.amountMinor : -leg.amountMinor;

/**
 * Checks the database against the log: every record accounted exactly once and as the log implies, every effect
 * posted once and in order, state and balances equal to what the events imply, the stored offsets at the end.
 */
export function verifyLedger(
  records: readonly LogRecord[],
  db: LedgerSnapshot,
  ref: { topic: string; endOffsets: ReadonlyMap<number, bigint> },
): Verification {
  const expected = expectOutcomes(records);
  const samples: Record<string, string[]> = {};
  const sample = (kind: string, text: string) => {
    const list = (samples[kind] ??= []);
    if (list.length < SAMPLES) list.push(text);
  };

  const processed = db.processed.filter((p) => p.topic === ref.topic);
  const processedAt = new Map(processed.map((p) => [positionKey(p.partition, p.offset), p]));
  const processedById = new Map(processed.map((p) => [p.eventId, p]));
  const deadAt = new Map(db.deadLetters.map((d) => [positionKey(d.partition, d.offset), d]));
  const parkedAt = new Map(db.parked.map((p) => [positionKey(p.partition, p.offset), p]));
  const recordAt = new Map(records.map((r) => [positionKey(r.partition, r.offset), r]));

  let phantoms = 0;
  let duplicated = 0;
  let lost = 0;
  let misclassified = 0;
  let rawMismatches = 0;
  const counts = { applied: 0, duplicate: 0, parked: 0, 'dead-lettered': 0 } satisfies Record<Outcome, number>;
  const deadLetterReasons: Record<string, number> = {};

  records.forEach((record, index) => {
    const at = positionKey(record.partition, record.offset);
    const p = processedAt.get(at);
    const d = deadAt.get(at);
    const k = parkedAt.get(at);
    const eventId = record.decoded.ok ? record.decoded.event.payload.event_id : undefined;
    let actual: Outcome | undefined;
    if (p) {
      if (p.eventId !== eventId) {
        phantoms++;
        sample('phantoms', `processed_events says ${p.eventId} is at ${at}, the log has ${describe(record)}`);
      }
      actual = p.outcome === 'applied' ? 'applied' : p.outcome === 'parked' ? 'parked' : 'dead-lettered';
      if (p.outcome === 'applied' && d) {
        duplicated++;
        sample('duplicated', `${describe(record)} is both applied and dead-lettered (${d.reasonCode})`);
      }
      if (p.outcome === 'dead_lettered' && !d) {
        lost++;
        sample('lost', `${describe(record)} is recorded as dead-lettered but has no dead letter row`);
      }
      if (p.outcome === 'parked' && k?.status !== 'parked') {
        lost++;
        sample('lost', `${describe(record)} is recorded as parked but no parked row waits (${k?.status ?? 'none'})`);
      }
    } else if (d) {
      actual = 'dead-lettered';
    } else if (k) {
      actual = 'parked';
      phantoms++;
      sample('phantoms', `${describe(record)} has a parked row (${k.status}) but no processed_events row`);
    } else if (record.decoded.ok && eventId !== undefined) {
      const recorded = processedById.get(eventId);
      const original = recorded && recordAt.get(positionKey(recorded.partition, recorded.offset));
      const sameContent =
        original?.decoded.ok && eventContent(original.decoded.event) === eventContent(record.decoded.event);
      const p2 = record.decoded.event.payload;
      const bySeq =
        expected.outcomes[index] === 'duplicate' &&
        (db.progress.get(`${p2.entity_type}:${p2.entity_id}`) ?? 0n) >= p2.seq;
      if (sameContent || bySeq) actual = 'duplicate';
    }
    if (d) {
      deadLetterReasons[d.reasonCode] = (deadLetterReasons[d.reasonCode] ?? 0) + 1;
      const same = d.value === null || record.value === null ? d.value === record.value : d.value.equals(record.value);
      if (!same) {
        rawMismatches++;
        sample('rawMismatches', `the dead letter at ${at} does not hold the record's bytes`);
      }
    }
    if (actual === undefined) {
      lost++;
      sample('lost', `${describe(record)}: no outcome recorded (expected ${expected.outcomes[index]})`);
      return;
    }
    counts[actual]++;
    if (actual !== expected.outcomes[index]) {
      misclassified++;
      sample(
        'misclassified',
        `${describe(record)}: ${actual}, the log implies ${expected.outcomes[index]}${expected.reasons[index] ? ` (${expected.reasons[index]})` : ''}`,
      );
    }
  });

  for (const p of processed) {
    if (!recordAt.has(positionKey(p.partition, p.offset))) {
      phantoms++;
      sample(
        'phantoms',
        `processed_events ${p.eventId} points at ${p.partition}@${p.offset}, which the log does not have`,
      );
    }
  }
  for (const d of db.deadLetters) {
    if (!recordAt.has(positionKey(d.partition, d.offset))) {
      phantoms++;
      sample('phantoms', `a dead letter points at ${d.partition}@${d.offset}, which the log does not have`);
    }
  }

  // Effects: the legs of each applied event, exactly as many as the pure state machine posts for it.
  const postedLegs = new Map<string, number>();
  for (const leg of db.ledger) postedLegs.set(leg.txId, (postedLegs.get(leg.txId) ?? 0) + 1);
  for (const [txId, n] of postedLegs) {
    const want = expected.legs.get(txId)?.length ?? 0;
    if (n > want) {
      duplicated++;
      sample('duplicated', `event ${txId}: ${n} ledger legs posted, the state machine posts ${want}`);
    }
  }
  for (const [eventId, legs] of expected.legs) {
    const n = postedLegs.get(eventId) ?? 0;
    if (n < legs.length) {
      lost++;
      sample('lost', `event ${eventId}: ${n} of its ${legs.length} ledger legs posted`);
    }
  }

  // Per-entity sequence: the seqs applied or spent are exactly 1..n, n what the log implies.
  const spent = new Map<string, bigint[]>();
  for (const p of processed) if (p.outcome !== 'parked') spent.set(p.entity, [...(spent.get(p.entity) ?? []), p.seq]);
  let gaps = 0;
  for (const entity of new Set([...expected.appliedSeq.keys(), ...db.progress.keys()])) {
    const want = expected.appliedSeq.get(entity) ?? 0n;
    const stored = db.progress.get(entity) ?? 0n;
    const seqs = [...new Set(spent.get(entity) ?? [])].sort((a, b) => (a < b ? -1 : 1));
    const contiguous = seqs.length === Number(stored) && seqs.every((s, i) => s === BigInt(i + 1));
    if (stored !== want || !contiguous) {
      gaps++;
      sample(
        'gaps',
        `${entity}: applied_seq ${stored}, the log implies ${want}; seqs recorded ${seqs.length > 12 ? `${seqs.length} of them` : seqs.join(',')}`,
      );
    }
  }

  // Order: each payment's legs were inserted in seq order.
  let orderViolations = 0;
  const lastSeq = new Map<string, bigint>();
  const violated = new Set<string>();
  for (const leg of db.ledger) {
    const previous = lastSeq.get(leg.paymentId);
    if (previous !== undefined && leg.seq < previous && !violated.has(leg.paymentId)) {
      violated.add(leg.paymentId);
      orderViolations++;
      sample('orderViolations', `payment ${leg.paymentId}: seq ${leg.seq} posted after seq ${previous}`);
    }
    lastSeq.set(leg.paymentId, leg.seq);
  }

  // Sums: payment state and amounts, and every account balance, against what the events imply.
  let driftedPayments = 0;
  const stored = new Map(db.payments.map((p) => [p.paymentId, p]));
  for (const id of new Set([...expected.payments.keys(), ...stored.keys()])) {
    const want = expected.payments.get(id);
    const have = stored.get(id);
    const same =
      want &&
      have &&
      have.state === want.state &&
      have.amountMinor === want.amountMinor &&
      have.authorizedMinor === want.authorizedMinor &&
      have.capturedMinor === want.capturedMinor &&
      have.refundedMinor === want.refundedMinor;
    if (!same) {
      driftedPayments++;
      sample(
        'driftedPayments',
        `payment ${id}: stored ${have ? `${have.state} captured ${have.capturedMinor} refunded ${have.refundedMinor}` : 'missing'}, the events imply ${want ? `${want.state} captured ${want.capturedMinor} refunded ${want.refundedMinor}` : 'none'}`,
      );
    }
  }
  const expectedBalances = new Map<string, bigint>();
  for (const legs of expected.legs.values())
    for (const leg of legs)
      expectedBalances.set(
        legKey(leg.account, leg.currency),
        (expectedBalances.get(legKey(leg.account, leg.currency)) ?? 0n) + signed(leg),
      );
  const ledgerBalances = new Map<string, bigint>();
  let net = 0n;
  for (const leg of db.ledger) {
    ledgerBalances.set(
      legKey(leg.account, leg.currency),
      (ledgerBalances.get(legKey(leg.account, leg.currency)) ?? 0n) + signed(leg),
    );
    net += signed(leg);
  }
  let balanceMismatches = 0;
  for (const account of new Set([...expectedBalances.keys(), ...ledgerBalances.keys(), ...db.balances.keys()])) {
    const want = expectedBalances.get(account) ?? 0n;
    const legs = ledgerBalances.get(account) ?? 0n;
    const balance = db.balances.get(account) ?? 0n;
    if (want !== legs || legs !== balance) {
      balanceMismatches++;
      sample('balanceMismatches', `${account}: balance ${balance}, its legs ${legs}, the events imply ${want}`);
    }
  }
  const total = (
    values: Iterable<{ capturedMinor: bigint; refundedMinor: bigint }>,
    field: 'capturedMinor' | 'refundedMinor',
  ) => {
    let sum = 0n;
    for (const v of values) sum += v[field];
    return sum.toString();
  };
  const amounts = {
    captured: {
      expected: total(expected.payments.values(), 'capturedMinor'),
      actual: total(db.payments, 'capturedMinor'),
    },
    refunded: {
      expected: total(expected.payments.values(), 'refundedMinor'),
      actual: total(db.payments, 'refundedMinor'),
    },
    ledgerNet: net.toString(),
  };
  const sumsEqual =
    driftedPayments === 0 &&
    balanceMismatches === 0 &&
    net === 0n &&
    amounts.captured.expected === amounts.captured.actual &&
    amounts.refunded.expected === amounts.refunded.actual;

  // Offsets: the stored next offset of every partition is the log end offset; the counters account for every offset.
  const offsetByPartition = new Map(db.offsets.map((o) => [o.partition, o]));
  const offsetProblems: string[] = [];
  for (const [partition, end] of ref.endOffsets) {
    const stored = offsetByPartition.get(partition)?.nextOffset ?? 0n;
    if (stored !== end) offsetProblems.push(`partition ${partition}: next_offset ${stored}, log end ${end}`);
  }
  for (const s of offsetProblems) sample('offsets', s);
  const unbalanced = db.offsets.filter((o) => o.counted !== o.nextOffset - o.firstOffset);
  for (const o of unbalanced)
    sample(
      'counters',
      `partition ${o.partition}: counters sum to ${o.counted}, offsets ${o.firstOffset}..${o.nextOffset} are ${o.nextOffset - o.firstOffset}`,
    );

  const failures: string[] = [];
  const must = (ok: boolean, text: string) => {
    if (!ok) failures.push(text);
  };
  must(lost === 0, `${lost} lost`);
  must(duplicated === 0, `${duplicated} duplicated`);
  must(gaps === 0, `${gaps} entities with gaps`);
  must(orderViolations === 0, `${orderViolations} order violations`);
  must(misclassified === 0, `${misclassified} records accounted otherwise than the log implies`);
  must(phantoms === 0, `${phantoms} rows pointing at no matching record`);
  must(rawMismatches === 0, `${rawMismatches} dead letters without the record's bytes`);
  must(
    sumsEqual,
    `sums differ (${driftedPayments} payments drifted, ${balanceMismatches} balances differ, ledger net ${net})`,
  );
  must(offsetProblems.length === 0, `stored offsets not at the log end (${offsetProblems.length} partitions)`);
  must(unbalanced.length === 0, `offset counters unbalanced on ${unbalanced.length} partitions`);

  return {
    events: records.length,
    applied: counts.applied,
    duplicatesSkipped: counts.duplicate,
    parked: counts.parked,
    deadLettered: counts['dead-lettered'],
    lost,
    duplicated,
    gaps,
    orderViolations,
    misclassified,
    phantoms,
    rawMismatches,
    driftedPayments,
    balanceMismatches,
    sumsEqual,
    amounts,
    offsetsAtEnd: offsetProblems.length === 0,
    countersBalanced: unbalanced.length === 0,
    deadLetterReasons,
    failures,
    samples,
  };
}
