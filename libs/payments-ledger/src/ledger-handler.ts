import { entityKey, type EntityRef, type EntityState, type FoldHandler } from '@spr/consumer-runtime';
import type { PaymentEvent } from '@spr/contracts';
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
 * The payment consumer's fast path (docs/design.md §9): one query loads (and locks) the chunk's payments, the pure
 * payments state machine folds each payment's events, and two statements write the new payment rows and every
 * ledger leg (the database checks that each transaction balances and posts the account balances).
 */
export function createLedgerHandler(): FoldHandler<PaymentEvent, Payment, LedgerPosting> {
  return {
    kind: 'fold',

    loadStates(entities: readonly EntityRef[]) {
      const ids = entities
        .filter((e) => e.entityType === 'payment')
        .map((e) => e.entityId)
        .sort();
      return {
        // No lock: the runtime's compare-and-set on the entities' progress guards the write (decision 0008).
        statement: {
          name: 'spr_payments_load',
          text: `select payment_id, state, customer_id, merchant_id, currency, amount_minor, authorized_minor,
                        captured_minor, refunded_minor, failure_reason, created_at, updated_at
                   from payments where payment_id in (select jsonb_array_elements_text($1::jsonb))
                  order by payment_id`,
          values: [JSON.stringify(ids)],
        },
        read: (rows) =>
          new Map((rows as unknown as PaymentRow[]).map((r) => [entityKey('payment', r.payment_id), toPayment(r)])),
      };
    },

    fold(state, event) {
      const step = applyPaymentEvent(state, event);
      if (!step.ok) return { kind: 'rejected', reason: step.reason, error: step.error };
      const p = event.payload;
      const effects: LedgerPosting[] =
        step.legs.length === 0
          ? []
          : [
              {
                txId: p.event_id,
                paymentId: p.entity_id,
                seq: p.seq,
                eventType: event.type,
                occurredAt: p.occurred_at,
                legs: step.legs,
              },
            ];
      return { kind: 'applied', state: step.payment, effects };
    },

    write(
      { states, effects }: { states: readonly EntityState<Payment>[]; effects: readonly LedgerPosting[] },
      { partition }: { partition: number },
    ) {
      if (states.length === 0 && effects.length === 0) return [];
      const payments = states.map((s) => s.state);
      const legs = effects.flatMap((e) => e.legs.map((leg) => ({ e, leg })));
      // One statement: the payments, then the legs. The balances the ledger's trigger posts go
      // to this partition's shard (set for the transaction by the ledger insert itself), so concurrent partitions
      // never wait on a shared account. Rows travel as one JSON array per table (the client serialises that far
      // faster than an escaped text array per column); timestamps as epoch milliseconds, amounts as strings.
      return [
        {
          name: 'spr_ledger_write',
          text: `with payment_rows as (
           insert into payments as p (payment_id, state, customer_id, merchant_id, currency, amount_minor,
                                      authorized_minor, captured_minor, refunded_minor, failure_reason, created_at,
                                      updated_at)
           select u->>0, u->>1, u->>2, u->>3, u->>4, (u->>5)::int8, (u->>6)::int8, (u->>7)::int8, (u->>8)::int8, u->>9,
                  to_timestamp((u->>10)::float8 / 1000.0), to_timestamp((u->>11)::float8 / 1000.0)
             from jsonb_array_elements($1::jsonb) u
           on conflict (payment_id) do update set
             state = excluded.state, authorized_minor = excluded.authorized_minor,
             captured_minor = excluded.captured_minor, refunded_minor = excluded.refunded_minor,
             failure_reason = excluded.failure_reason, updated_at = excluded.updated_at
           returning 1
         ), leg_rows as (
           insert into ledger_entries (tx_id, payment_id, seq, event_type, account, direction, amount_minor,
                                       currency, occurred_at)
           select (l->>0)::uuid, l->>1, (l->>2)::int8, l->>3, l->>4, l->>5, (l->>6)::int8, l->>7,
                  to_timestamp((l->>8)::float8 / 1000.0)
             from jsonb_array_elements($2::jsonb) l
            cross join (select set_config('spr.balance_shard', $3::text, true)) as shard
           returning 1
         )
         select (select count(*) from payment_rows) as payments, (select count(*) from leg_rows) as legs`,
          values: [
            JSON.stringify(
              payments.map((p) => [
                p.paymentId,
                p.state,
                p.customerId,
                p.merchantId,
                p.currency,
                p.amountMinor.toString(),
                p.authorizedMinor.toString(),
                p.capturedMinor.toString(),
                p.refundedMinor.toString(),
                p.failureReason,
                p.createdAt.getTime(),
                p.updatedAt.getTime(),
              ]),
            ),
            JSON.stringify(
              legs.map(({ e, leg }) => [
                e.txId,
                e.paymentId,
                e.seq.toString(),
                e.eventType,
                leg.account,
                leg.direction,
                leg.amountMinor.toString(),
                leg.currency,
                e.occurredAt.getTime(),
              ]),
            ),
            String(partition),
          ],
        },
      ];
    },
  };
}
