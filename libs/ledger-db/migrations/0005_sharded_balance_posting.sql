-- Custom migration: balances are posted to the writer's shard (see the account_balances model), and read summed.

-- The shard of this transaction's postings: `spr.balance_shard` (set with set_config(…, true) by the writer, the
-- consumer's partition), or 0.
CREATE OR REPLACE FUNCTION "ledger_entries_post_balances"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  target smallint := coalesce(nullif(current_setting('spr.balance_shard', true), '')::smallint, 0);
BEGIN
  INSERT INTO account_balances AS b (account, currency, shard, balance_minor, updated_at)
  SELECT n.account, n.currency, target,
         sum(CASE n.direction WHEN 'credit' THEN n.amount_minor ELSE -n.amount_minor END), now()
    FROM new_entries n
   GROUP BY n.account, n.currency
   ORDER BY n.account, n.currency
  ON CONFLICT (account, currency, shard)
  DO UPDATE SET balance_minor = b.balance_minor + excluded.balance_minor, updated_at = excluded.updated_at;
  RETURN NULL;
END
$$;
--> statement-breakpoint

-- An account's balance: the sum of its shards.
CREATE VIEW "account_balance_totals" AS
  SELECT account, currency, sum(balance_minor)::bigint AS balance_minor, max(updated_at) AS updated_at
    FROM account_balances
   GROUP BY account, currency;
