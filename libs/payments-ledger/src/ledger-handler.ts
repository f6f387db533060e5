import { entityKey, type EntityRef, type EntityState, type FoldHandler } from '@spr/consumer-runtime';
import type { PaymentEvent } from '@spr/contracts';
import type { Queryable } from '@spr/idempotency';
import { applyPaymentEvent, type LedgerLeg, type Payment, type PaymentState } from '@spr/payments-domain';

/** The legs one applied event posts, with where they come from. */
export interface LedgerPosting {
  readonly txId: string;
  readonly paymentId: string;
  readonly seq: bigint;
  readonly eventType: string;
  readonly occurredAt: Date;
  readonly legs: readonly LedgerLeg[];
}

interface PaymentRow {
  payment_id: string;
  state: PaymentState;
  customer_id: string;
  merchant_id: string;
  currency: string;
  amount_minor: string;
  authorized_minor: string;
  captured_minor: string;
  refunded_minor: string;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const toPayment = (r: PaymentRow): Payment => ({
  paymentId: r.payment_id,
  state: r.state,
  customerId: r.customer_id,
  merchantId: r.merchant_id,
  currency: r.currency,
  amountMinor: BigInt(r.amount_minor),
  authorizedMinor: BigInt(r.authorized_minor),
  capturedMinor: BigInt(r.captured_minor),
  refundedMinor: BigInt(r.refunded_minor),
  failureReason: r.failure_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The payment consumer's fast path (DESIGN.md §9): one query loads (and locks) the chunk's payments, the pure
 * payments state machine folds each payment's events, and two statements write the new payment rows and every
 * ledger leg (the database checks that each transaction balances and posts the account balances).
 */
export function createLedgerHandler(): FoldHandler<PaymentEvent, Payment, LedgerPosting> {
  return {
    kind: 'fold',

    async loadStates(tx: Queryable, entities: readonly EntityRef[]) {
      const ids = entities.filter((e) => e.entityType === 'payment').map((e) => e.entityId).sort();
      const { rows } = await tx.query<PaymentRow>('select * from payments where payment_id = any($1::text[]) order by payment_id for update', [ids]);
      return new Map(rows.map((r) => [entityKey('payment', r.payment_id), toPayment(r)]));
    },

    fold(state, event) {
      const step = applyPaymentEvent(state, event);
      if (!step.ok) return { kind: 'rejected', reason: step.reason, error: step.error };
      const p = event.payload;
      const effects: LedgerPosting[] =
        step.legs.length === 0 ? [] : [{ txId: p.event_id, paymentId: p.entity_id, seq: p.seq, eventType: event.type, occurredAt: p.occurred_at, legs: step.legs }];
      return { kind: 'applied', state: step.payment, effects };
    },

    async write(tx: Queryable, { states, effects }: { states: readonly EntityState<Payment>[]; effects: readonly LedgerPosting[] }, { partition }: { partition: number }) {
      if (states.length === 0 && effects.length === 0) return;
      const payments = states.map((s) => s.state);
      const legs = effects.flatMap((e) => e.legs.map((leg) => ({ e, leg })));
      // One statement (one round trip): the payments, then the legs. The balances the ledger's trigger posts go
      // to this partition's shard (set for the transaction by the ledger insert itself), so concurrent partitions
      // never wait on a shared account. Timestamps travel as epoch milliseconds: the client serialises numbers far
      // faster than Dates.
      await tx.query(
        `with payment_rows as (
           insert into payments as p (payment_id, state, customer_id, merchant_id, currency, amount_minor, authorized_minor, captured_minor, refunded_minor, failure_reason, created_at, updated_at)
           select id, st, cu, me, cur, amt, au, ca, re, fr, to_timestamp(cr / 1000.0), to_timestamp(up / 1000.0)
             from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::char(3)[], $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::text[], $11::float8[], $12::float8[])
               as u(id, st, cu, me, cur, amt, au, ca, re, fr, cr, up)
           on conflict (payment_id) do update set
             state = excluded.state, authorized_minor = excluded.authorized_minor, captured_minor = excluded.captured_minor,
             refunded_minor = excluded.refunded_minor, failure_reason = excluded.failure_reason, updated_at = excluded.updated_at
           returning 1
         ), leg_rows as (
           insert into ledger_entries (tx_id, payment_id, seq, event_type, account, direction, amount_minor, currency, occurred_at)
           select l.tx, l.pay, l.seq, l.typ, l.acc, l.dir, l.amt, l.cur, to_timestamp(l.occ / 1000.0)
             from unnest($13::uuid[], $14::text[], $15::int8[], $16::text[], $17::text[], $18::text[], $19::int8[], $20::char(3)[], $21::float8[])
               as l(tx, pay, seq, typ, acc, dir, amt, cur, occ)
            cross join (select set_config('spr.balance_shard', $22::text, true)) as shard
           returning 1
         )
         select (select count(*) from payment_rows) as payments, (select count(*) from leg_rows) as legs`,
        [
          payments.map((p) => p.paymentId),
          payments.map((p) => p.state),
          payments.map((p) => p.customerId),
          payments.map((p) => p.merchantId),
          payments.map((p) => p.currency),
          payments.map((p) => p.amountMinor.toString()),
          payments.map((p) => p.authorizedMinor.toString()),
          payments.map((p) => p.capturedMinor.toString()),
          payments.map((p) => p.refundedMinor.toString()),
          payments.map((p) => p.failureReason),
          payments.map((p) => p.createdAt.getTime()),
          payments.map((p) => p.updatedAt.getTime()),
          legs.map(({ e }) => e.txId),
          legs.map(({ e }) => e.paymentId),
          legs.map(({ e }) => e.seq.toString()),
          legs.map(({ e }) => e.eventType),
          legs.map(({ leg }) => leg.account),
          legs.map(({ leg }) => leg.direction),
          legs.map(({ leg }) => leg.amountMinor.toString()),
          legs.map(({ leg }) => leg.currency),
          legs.map(({ e }) => e.occurredAt.getTime()),
          String(partition),
        ],
      );
    },
  };
}

