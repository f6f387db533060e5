import { readGroupOffsets } from '@spr/consumer-runtime';
import type pg from 'pg';
import { storedOffsets } from './offsets-watch.ts';

/** What a drain left in the ledger, against what the backlog implies when every event is applied once. */
export interface LedgerCheck {
  /** Events recorded in processed_events; the backlog's unique events when nothing was lost. */
  readonly processed: number;
  readonly expectedProcessed: number;
  readonly legs: number;
  readonly expectedLegs: number;
  /** Events whose legs were posted more than once (each event of the backlog posts 0 or 2 legs). */
  readonly duplicatesInLedger: number;
  /** Redeliveries the consumer recognised and skipped (consumer_offsets.duplicate_count). */
  readonly duplicatesSkipped: number;
  readonly parked: number;
  readonly deadLettered: number;
  /** The payments' refunded totals add up to the backlog's refunds. */
  readonly refundsMatch: boolean;
  /** Sum of every account balance: zero in a balanced double-entry ledger. */
  readonly net: string;
}

export interface LedgerExpectation {
  readonly unique: number;
  readonly expectedLegs: number;
  readonly refundedMinor: string;
}

/** Checks the ledger tables of an arm's schema (O and B write the same rows). */
export async function checkLedger(
  db: pg.Pool | pg.Client,
  groupId: string,
  expected: LedgerExpectation,
): Promise<LedgerCheck> {
  const one = async <T>(sql: string, params: unknown[] = []) =>
    (await db.query<T & pg.QueryResultRow>(sql, params)).rows[0]!;
  const processed = await one<{ n: string }>('select count(*) as n from processed_events');
  const legs = await one<{ n: string; doubled: string }>(
    `select coalesce(sum(n), 0) as n, count(*) filter (where n > 2) as doubled from (select count(*) as n from ledger_entries group by tx_id) t`,
  );
  const offsets = { duplicates: 0n, parked: 0n, dead: 0n };
  for (const { counts } of await readGroupOffsets(db, groupId)) {
    offsets.duplicates += counts.duplicates;
    offsets.parked += counts.parked;
    offsets.dead += counts.deadLettered;
  }
  const refunded = await one<{ s: string | null }>('select sum(refunded_minor)::text as s from payments');
  const net = await one<{ net: string }>('select coalesce(sum(balance_minor), 0)::text as net from account_balances');
  return {
    processed: Number(processed.n),
    expectedProcessed: expected.unique,
    legs: Number(legs.n),
    expectedLegs: expected.expectedLegs,
    duplicatesInLedger: Number(legs.doubled),
    duplicatesSkipped: Number(offsets.duplicates),
    parked: Number(offsets.parked),
    deadLettered: Number(offsets.dead),
    refundsMatch: (refunded.s ?? '0') === expected.refundedMinor,
    net: net.net,
  };
}

/** Arm N's table: rows written, distinct events among them, and the extra rows (events written twice or more). */
export async function checkNaiveTable(
  db: pg.Pool | pg.Client,
): Promise<{ readonly rows: number; readonly distinctEvents: number; readonly duplicatesInLedger: number }> {
  const { rows } = await db.query<{ n: string; d: string }>(
    'select count(*) as n, count(distinct event_id) as d from naive_payment_events',
  );
  const n = Number(rows[0]!.n);
  const d = Number(rows[0]!.d);
  return { rows: n, distinctEvents: d, duplicatesInLedger: n - d };
}

/**
 * Arm F after a drain: one row per record in its table, and every partition's next_offset in consumer_offsets at
 * the log end, read as the drain watcher and the offsets poller read O's. Throws, naming the difference.
 */
export async function checkFloorDrain(
  db: pg.Pool | pg.Client,
  groupId: string,
  topic: string,
  ends: ReadonlyMap<number, number>,
): Promise<void> {
  const stored = await storedOffsets(db, groupId, topic);
  const behind = [...ends]
    .filter(([partition, end]) => stored.get(partition) !== end)
    .map(([partition, end]) => `partition ${partition} at ${stored.get(partition) ?? 'no row'} of ${end}`);
  if (behind.length > 0) throw new Error(`arm F: consumer_offsets is not at the log end: ${behind.join(', ')}`);
  const { rows } = await db.query<{ n: string }>('select count(*) as n from floor_events');
  const expected = [...ends.values()].reduce((a, b) => a + b, 0);
  if (Number(rows[0]!.n) !== expected)
    throw new Error(`arm F: floor_events holds ${rows[0]!.n} rows, the log ${expected} records`);
}
