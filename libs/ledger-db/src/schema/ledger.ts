import { sql } from 'drizzle-orm';
import { bigserial, char, check, index, pgTable, primaryKey, smallint, text, uuid } from 'drizzle-orm/pg-core';
import { int64, timestamptz } from './columns.ts';

/**
 * ISO-4217 currencies with their minor units, seeded by the migrations. Every money column is checked against this
 * list by a CHECK constraint calling `iso_currency(code)` (migration 0003; a foreign key costs a query per row, which
 * the ledger's bulk inserts cannot afford).
 */
export const currencies = pgTable('currencies', {
  code: char('code', { length: 3 }).primaryKey(),
  minorUnits: smallint('minor_units').notNull(),
});

export const PAYMENT_STATES = ['initiated', 'authorized', 'captured', 'refunded', 'failed', 'cancelled'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

/** The consumer's view of each payment, derived only from applied events. */
export const payments = pgTable(
  'payments',
  {
    paymentId: text('payment_id').primaryKey(),
    state: text('state', { enum: PAYMENT_STATES }).notNull(),
    customerId: text('customer_id').notNull(),
    merchantId: text('merchant_id').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    amountMinor: int64('amount_minor').notNull(),
    authorizedMinor: int64('authorized_minor')
      .notNull()
      .default(sql`0`),
    capturedMinor: int64('captured_minor')
      .notNull()
      .default(sql`0`),
    refundedMinor: int64('refunded_minor')
      .notNull()
      .default(sql`0`),
    failureReason: text('failure_reason'),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [
    check(
      'payments_state',
      sql`${t.state} in ('initiated', 'authorized', 'captured', 'refunded', 'failed', 'cancelled')`,
    ),
    check(
      'payments_amounts',
      // Joined without a separator: the same text as one template (the migrations' snapshots compare it).
      sql.join([
        sql`${t.amountMinor} > 0 and ${t.authorizedMinor} >= 0 and ${t.capturedMinor} >= 0 and ${t.refundedMinor} >= 0
          and ${t.authorizedMinor} <= ${t.amountMinor} and `,
        sql`${t.capturedMinor} <= ${t.authorizedMinor} and ${t.refundedMinor} <= ${t.capturedMinor}`,
      ]),
    ),
  ],
);

export const LEG_DIRECTIONS = ['debit', 'credit'] as const;
export type LegDirection = (typeof LEG_DIRECTIONS)[number];

/**
 * Double-entry ledger: every movement is a transaction (`tx_id`, the id of the event that caused it) of legs with
 * positive amounts whose debits equal their credits per currency. Append-only. Both rules are enforced by
 * triggers in the migrations (see 0001_ledger_invariants.sql), not only by the code that writes here.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    txId: uuid('tx_id').notNull(),
    paymentId: text('payment_id').notNull(),
    seq: int64('seq').notNull(),
    eventType: text('event_type').notNull(),
    account: text('account').notNull(),
    direction: text('direction', { enum: LEG_DIRECTIONS }).notNull(),
    amountMinor: int64('amount_minor').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    occurredAt: timestamptz('occurred_at').notNull(),
    postedAt: timestamptz('posted_at').notNull().defaultNow(),
  },
  (t) => [
    check('ledger_entries_direction', sql`${t.direction} in ('debit', 'credit')`),
    check('ledger_entries_amount_positive', sql`${t.amountMinor} > 0`),
    index('ledger_entries_tx').on(t.txId),
    index('ledger_entries_payment').on(t.paymentId, t.seq),
  ],
);

/**
 * Running balances (credits minus debits), posted by the database with each ledger write. A balance is split
 * into shards, one per consumer partition (`spr.balance_shard`, set by the writer, 0 when unset): chunks of
 * different partitions then never wait for each other on a busy account (a merchant paid by thousands of
 * payments). An account's balance is the sum of its shards: the view `account_balance_totals` (migration 0005).
 */
export const accountBalances = pgTable(
  'account_balances',
  {
    account: text('account').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    shard: smallint('shard').notNull().default(0),
    balanceMinor: int64('balance_minor').notNull(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.account, t.currency, t.shard] })],
);
