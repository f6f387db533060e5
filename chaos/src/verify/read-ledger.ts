import type pg from 'pg';

export interface ProcessedRow {
  readonly eventId: string;
  readonly entity: string;
  readonly seq: bigint;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly outcome: 'applied' | 'parked' | 'dead_lettered';
}

export interface LedgerRow {
  readonly id: bigint;
  readonly txId: string;
  readonly paymentId: string;
  readonly seq: bigint;
  readonly account: string;
  readonly direction: 'debit' | 'credit';
  readonly amountMinor: bigint;
  readonly currency: string;
}

export interface PaymentRow {
  readonly paymentId: string;
  readonly state: string;
  readonly amountMinor: bigint;
  readonly authorizedMinor: bigint;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
}

export interface PositionRow {
  readonly partition: number;
  readonly offset: bigint;
}

export interface DeadLetterRow extends PositionRow {
  readonly value: Buffer | null;
  readonly reasonCode: string;
  readonly status: string;
}

export interface ParkedRow extends PositionRow {
  readonly eventId: string;
  readonly status: string;
}

export interface OffsetRow {
  readonly partition: number;
  readonly nextOffset: bigint;
  readonly firstOffset: bigint;
  /** applied + duplicates + parked + dead-lettered, as the consumer counted them. */
  readonly counted: bigint;
}

/** Everything the verifier reads from the database, read directly with SQL (no consumer code). */
export interface LedgerSnapshot {
  readonly processed: readonly ProcessedRow[];
  readonly ledger: readonly LedgerRow[];
  readonly payments: readonly PaymentRow[];
  readonly progress: ReadonlyMap<string, bigint>;
  readonly deadLetters: readonly DeadLetterRow[];
  readonly parked: readonly ParkedRow[];
  readonly offsets: readonly OffsetRow[];
  /** account_balances summed over shards, by `account/currency`. */
  readonly balances: ReadonlyMap<string, bigint>;
}

export async function readLedger(db: pg.Pool, ref: { groupId: string; topic: string }): Promise<LedgerSnapshot> {
  const processed = await db.query<{
    event_id: string;
    entity_type: string;
    entity_id: string;
    seq: string;
    topic: string;
    partition: number;
    offset: string;
    outcome: ProcessedRow['outcome'];
  }>('select event_id, entity_type, entity_id, seq, topic, partition, "offset", outcome from processed_events');
  const ledger = await db.query<{
    id: string;
    tx_id: string;
    payment_id: string;
    seq: string;
    account: string;
    direction: LedgerRow['direction'];
    amount_minor: string;
    currency: string;
  }>('select id, tx_id, payment_id, seq, account, direction, amount_minor, currency from ledger_entries order by id');
  const payments = await db.query<{
    payment_id: string;
    state: string;
    amount_minor: string;
    authorized_minor: string;
    captured_minor: string;
    refunded_minor: string;
  }>('select payment_id, state, amount_minor, authorized_minor, captured_minor, refunded_minor from payments');
  const progress = await db.query<{ entity_type: string; entity_id: string; applied_seq: string }>(
    'select entity_type, entity_id, applied_seq from entity_progress',
  );
  const dead = await db.query<{
    partition: number;
    offset: string;
    value: Buffer | null;
    reason_code: string;
    status: string;
  }>('select partition, "offset", value, reason_code, status from dead_letters where group_id = $1 and topic = $2', [
    ref.groupId,
    ref.topic,
  ]);
  const parked = await db.query<{ partition: number; offset: string; event_id: string; status: string }>(
    'select partition, "offset", event_id, status from parked_events where group_id = $1 and topic = $2',
    [ref.groupId, ref.topic],
  );
  // Plain SQL, not the runtime's offset store: the verifier shares no code with what it checks.
  const offsets = await db.query<{ partition: number; next_offset: string; first_offset: string; counted: string }>(
    `select partition, next_offset, first_offset, (applied_count + duplicate_count + parked_count + dead_lettered_count)::text as counted
       from consumer_offsets where group_id = $1 and topic = $2`,
    [ref.groupId, ref.topic],
  );
  // Balances may be kept in shards (one per writer); an account's balance is the sum of its rows.
  const balances = await db.query<{ account: string; currency: string; balance_minor: string }>(
    'select account, currency, sum(balance_minor)::text as balance_minor from account_balances group by account, currency',
  );
  return {
    processed: processed.rows.map((r) => ({
      eventId: r.event_id,
      entity: `${r.entity_type}:${r.entity_id}`,
      seq: BigInt(r.seq),
      topic: r.topic,
      partition: r.partition,
      offset: BigInt(r.offset),
      outcome: r.outcome,
    })),
    ledger: ledger.rows.map((r) => ({
      id: BigInt(r.id),
      txId: r.tx_id,
      paymentId: r.payment_id,
      seq: BigInt(r.seq),
      account: r.account,
      direction: r.direction,
      amountMinor: BigInt(r.amount_minor),
      currency: r.currency.trim(),
    })),
    payments: payments.rows.map((r) => ({
      paymentId: r.payment_id,
      state: r.state,
      amountMinor: BigInt(r.amount_minor),
      authorizedMinor: BigInt(r.authorized_minor),
      capturedMinor: BigInt(r.captured_minor),
      refundedMinor: BigInt(r.refunded_minor),
    })),
    progress: new Map(progress.rows.map((r) => [`${r.entity_type}:${r.entity_id}`, BigInt(r.applied_seq)])),
    deadLetters: dead.rows.map((r) => ({
      partition: r.partition,
      offset: BigInt(r.offset),
      value: r.value,
      reasonCode: r.reason_code,
      status: r.status,
    })),
    parked: parked.rows.map((r) => ({
      partition: r.partition,
      offset: BigInt(r.offset),
      eventId: r.event_id,
      status: r.status,
    })),
    offsets: offsets.rows.map((r) => ({
      partition: r.partition,
      nextOffset: BigInt(r.next_offset),
      firstOffset: BigInt(r.first_offset),
      counted: BigInt(r.counted),
    })),
    balances: new Map(balances.rows.map((r) => [`${r.account}/${r.currency.trim()}`, BigInt(r.balance_minor)])),
  };
}
