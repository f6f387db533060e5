import type { PaymentEvent } from '@spr/contracts';
import { applyPaymentEvent, type Payment } from '@spr/payments-domain';
import type pg from 'pg';

export interface LedgerCheck {
  /** Events whose ledger legs were posted more than once (or legs no event explains). */
  readonly duplicated: number;
  /** Published events never recorded (applied, parked or dead-lettered), or whose legs are missing. */
  readonly lost: number;
  /** Payments whose ledger legs were posted out of sequence order. */
  readonly orderViolations: number;
  /** Payments whose stored state differs from the state the events imply. */
  readonly drifted: number;
  /** Payments whose applied sequence does not end at their last event. */
  readonly gaps: number;
  /** Sum of all account balances (a balanced ledger sums to zero). */
  readonly net: bigint;
}

/**
 * Checks the ledger against the events that were published, independently of the consumer's code: every event
 * applied exactly once, each payment's legs in sequence order, each payment's state what the pure state machine
 * says, and every account balance the sum of its legs.
 */
export async function verifyLedger(pool: pg.Pool, events: readonly PaymentEvent[]): Promise<LedgerCheck> {
  const expected = new Map<string, { payment?: Payment; lastSeq: bigint }>();
  /** Legs each event must have posted, by event id (the ledger transaction id). */
  const expectedLegs = new Map<string, number>();
  const ordered = [...events].sort((a, b) =>
    a.payload.seq < b.payload.seq ? -1 : a.payload.seq > b.payload.seq ? 1 : 0,
  );
  for (const e of ordered) {
    const entry = expected.get(e.payload.entity_id) ?? { lastSeq: 0n };
    if (e.payload.seq <= entry.lastSeq) continue; // a redelivery
    const step = applyPaymentEvent(entry.payment, e);
    if (step.ok) {
      entry.payment = step.payment;
      if (step.legs.length > 0) expectedLegs.set(e.payload.event_id, step.legs.length);
    }
    if (e.payload.seq > entry.lastSeq) entry.lastSeq = e.payload.seq;
    expected.set(e.payload.entity_id, entry);
  }
  const ids = [...new Set(events.map((e) => e.payload.event_id))];
  const recorded = await pool.query<{ n: number }>(
    `select count(*)::int as n from processed_events where event_id = any($1::uuid[])`,
    [ids],
  );
  const legs = await pool.query<{ tx_id: string; n: number }>(
    'select tx_id, count(*)::int as n from ledger_entries group by tx_id',
  );
  const postedLegs = new Map(legs.rows.map((r) => [r.tx_id, r.n]));
  let duplicated = 0;
  let missingEffects = 0;
  for (const [eventId, n] of expectedLegs) {
    const posted = postedLegs.get(eventId) ?? 0;
    if (posted > n) duplicated++;
    if (posted < n) missingEffects++;
  }
  for (const txId of postedLegs.keys()) if (!expectedLegs.has(txId)) duplicated++;
  const order = await pool.query<{ n: number }>(
    `select count(*)::int as n from (
       select payment_id from (
         select payment_id, seq, lag(seq) over (partition by payment_id order by id) as previous from ledger_entries
       ) s where previous is not null and seq < previous group by payment_id
     ) v`,
  );
  const rows = await pool.query<{
    payment_id: string;
    state: string;
    captured_minor: string;
    refunded_minor: string;
    applied_seq: string | null;
  }>(
    `select p.payment_id, p.state, p.captured_minor, p.refunded_minor, e.applied_seq
       from payments p left join entity_progress e on e.entity_type = 'payment' and e.entity_id = p.payment_id`,
  );
  let drifted = 0;
  let gaps = 0;
  const stored = new Map(rows.rows.map((r) => [r.payment_id, r]));
  for (const [id, want] of expected) {
    const row = stored.get(id);
    if (!want.payment) continue;
    if (
      !row ||
      row.state !== want.payment.state ||
      BigInt(row.captured_minor) !== want.payment.capturedMinor ||
      BigInt(row.refunded_minor) !== want.payment.refundedMinor
    )
      drifted++;
    if (!row || BigInt(row.applied_seq ?? 0) !== want.lastSeq) gaps++;
  }
  const net = await pool.query<{ net: string }>('select coalesce(sum(balance_minor), 0) as net from account_balances');
  const balanceMismatch = await pool.query<{ n: number }>(
    `select count(*)::int as n from account_balance_totals b
       full join (select account, currency, sum(case direction when 'credit' then amount_minor else -amount_minor end) as s from ledger_entries group by 1, 2) l
         using (account, currency)
      where coalesce(b.balance_minor, 0) <> coalesce(l.s, 0)`,
  );
  return {
    duplicated,
    lost: ids.length - recorded.rows[0]!.n + missingEffects,
    orderViolations: order.rows[0]!.n,
    drifted: drifted + balanceMismatch.rows[0]!.n,
    gaps,
    net: BigInt(net.rows[0]!.net),
  };
}
