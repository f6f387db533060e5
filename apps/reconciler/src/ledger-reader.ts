import { readGroupOffsets } from '@spr/consumer-runtime';
import { withTransaction } from '@spr/ledger-db';
import type pg from 'pg';

export interface StoredPayment {
  readonly state: string;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
  readonly authorizedMinor: bigint;
}

export interface LedgerFacts {
  /** Event id to its recorded outcome (applied, parked, dead_lettered). */
  readonly outcomes: ReadonlyMap<string, string>;
  /** Event ids in dead_letters (including ones the consumer could not identify: those have no id). */
  readonly deadLetterIds: ReadonlySet<string>;
  readonly deadLetters: number;
  readonly payments: ReadonlyMap<string, StoredPayment>;
  /** Legs per ledger transaction (event id). */
  readonly legsByTx: ReadonlyMap<string, number>;
  /** Payments whose legs were posted with a smaller seq after a larger one. */
  readonly outOfOrder: ReadonlySet<string>;
  /** Payments with events waiting in parked_events. */
  readonly parked: ReadonlyMap<string, number>;
  /** Accounts whose stored balance is not the sum of their legs. */
  readonly balanceMismatches: number;
  /** The group's stored next offset per partition. */
  readonly nextOffsets: ReadonlyMap<number, bigint>;
}

/** Reads what the ledger says, in a handful of set queries (one repeatable-read snapshot). */
export async function readLedger(pool: pg.Pool, groupId: string, topic: string): Promise<LedgerFacts> {
  return withTransaction(
    pool,
    async (client) => {
      const outcomes = await client.query<{ event_id: string; outcome: string }>(
        'select event_id, outcome from processed_events',
      );
      const dead = await client.query<{ event_id: string | null }>(
        `select event_id from dead_letters where group_id = $1 and topic = $2 and status = 'dead'`,
        [groupId, topic],
      );
      const payments = await client.query<{
        payment_id: string;
        state: string;
        captured_minor: string;
        refunded_minor: string;
        authorized_minor: string;
      }>('select payment_id, state, captured_minor, refunded_minor, authorized_minor from payments');
      const legs = await client.query<{ tx_id: string; n: number }>(
        'select tx_id, count(*)::int as n from ledger_entries group by tx_id',
      );
      const order = await client.query<{ payment_id: string }>(
        `select distinct payment_id from (
         select payment_id, seq, lag(seq) over (partition by payment_id order by id) as previous from ledger_entries
       ) s where previous is not null and seq < previous`,
      );
      const parked = await client.query<{ entity_id: string; n: number }>(
        `select entity_id, count(*)::int as n from parked_events where status = 'parked' and entity_type = 'payment' group by entity_id`,
      );
      const balances = await client.query<{ n: number }>(
        `select count(*)::int as n from account_balance_totals b
         full join (select account, currency, sum(case direction when 'credit' then amount_minor else -amount_minor end) as s from ledger_entries group by 1, 2) l
           using (account, currency)
        where coalesce(b.balance_minor, 0) <> coalesce(l.s, 0)`,
      );
      const offsets = await readGroupOffsets(client, groupId, topic);
      return {
        outcomes: new Map(outcomes.rows.map((r) => [r.event_id, r.outcome])),
        deadLetterIds: new Set(dead.rows.flatMap((r) => (r.event_id ? [r.event_id] : []))),
        deadLetters: dead.rows.length,
        payments: new Map(
          payments.rows.map((r) => [
            r.payment_id,
            {
              state: r.state,
              capturedMinor: BigInt(r.captured_minor),
              refundedMinor: BigInt(r.refunded_minor),
              authorizedMinor: BigInt(r.authorized_minor),
            },
          ]),
        ),
        legsByTx: new Map(legs.rows.map((r) => [r.tx_id, r.n])),
        outOfOrder: new Set(order.rows.map((r) => r.payment_id)),
        parked: new Map(parked.rows.map((r) => [r.entity_id, r.n])),
        balanceMismatches: balances.rows[0]!.n,
        nextOffsets: new Map(offsets.map((o) => [o.partition, o.nextOffset])),
      };
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}
