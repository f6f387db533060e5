-- Custom migration: the same invariants as 0001, at a cost the consumer's bulk inserts can afford (measured: the
-- balance check of 0001 merge-joined the whole ledger on every insert, and the currency foreign keys ran a query
-- per row; both grew with the ledger).

-- ISO-4217 codes as an immutable function over the list seeded in `currencies` when this migration ran, so a
-- CHECK costs a comparison instead of a look-up. New currencies need a migration that recreates the function.
DO $migration$
BEGIN
  EXECUTE format(
    'CREATE FUNCTION iso_currency(code bpchar) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L',
    format('SELECT code = ANY (%L::bpchar[])', (SELECT array_agg(code ORDER BY code)::text FROM currencies))
  );
END
$migration$;
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_currency_iso" CHECK (iso_currency("currency"));
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_currency_iso" CHECK (iso_currency("currency"));
--> statement-breakpoint
ALTER TABLE "account_balances" ADD CONSTRAINT "account_balances_currency_iso" CHECK (iso_currency("currency"));
--> statement-breakpoint
ALTER TABLE "gateway_payments" ADD CONSTRAINT "gateway_payments_currency_iso" CHECK (iso_currency("currency"));
--> statement-breakpoint

-- The balance check, per ledger transaction of the statement: one index look-up each (a lateral join), whatever
-- the size of the ledger.
CREATE OR REPLACE FUNCTION "ledger_entries_check_balanced"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  unbalanced record;
BEGIN
  SELECT n.tx_id, s.currency, s.net
    INTO unbalanced
    FROM (SELECT DISTINCT tx_id FROM new_entries) n
    CROSS JOIN LATERAL (
      SELECT e.currency, sum(CASE e.direction WHEN 'credit' THEN e.amount_minor ELSE -e.amount_minor END) AS net
        FROM ledger_entries e
       WHERE e.tx_id = n.tx_id
       GROUP BY e.currency
    ) s
   WHERE s.net <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced in %: credits minus debits = %',
      unbalanced.tx_id, unbalanced.currency, unbalanced.net
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balanced';
  END IF;
  RETURN NULL;
END
$$;
