ALTER TABLE "gateway_payments" DROP CONSTRAINT "gateway_payments_currency_fk";
--> statement-breakpoint
ALTER TABLE "account_balances" DROP CONSTRAINT "account_balances_currency_fk";
--> statement-breakpoint
ALTER TABLE "ledger_entries" DROP CONSTRAINT "ledger_entries_currency_fk";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_currency_fk";
