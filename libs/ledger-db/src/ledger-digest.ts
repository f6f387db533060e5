import { createHash } from 'node:crypto';
import type { Queryable } from './transaction.ts';

/**
 * A fingerprint of the ledger's content (payments, legs, balances), independent of row ids, timestamps of posting
 * and the order rows were written in: two ledgers built from the same events have the same digest (G5).
 */
export async function ledgerDigest(db: Queryable): Promise<string> {
  const hash = createHash('sha256');
  const payments = await db.query(
    `select payment_id, state, customer_id, merchant_id, currency, amount_minor, authorized_minor, captured_minor,
            refunded_minor, coalesce(failure_reason, '')
       from payments order by payment_id`,
  );
  for (const row of payments.rows) hash.update(`p|${Object.values(row).join('|')}\n`);
  const legs = await db.query(
    `select tx_id, payment_id, seq, event_type, account, direction, amount_minor, currency
       from ledger_entries order by tx_id, account, direction, amount_minor`,
  );
  for (const row of legs.rows) hash.update(`l|${Object.values(row).join('|')}\n`);
  const balances = await db.query(
    `select account, currency, balance_minor from account_balance_totals
      where balance_minor <> 0 order by account, currency`,
  );
  for (const row of balances.rows) hash.update(`b|${Object.values(row).join('|')}\n`);
  return hash.digest('hex');
}
