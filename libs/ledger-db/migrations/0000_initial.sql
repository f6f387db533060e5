CREATE TABLE "entity_progress" (
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"applied_seq" bigint NOT NULL,
	"parked_count" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "entity_progress_entity_type_entity_id_pk" PRIMARY KEY("entity_type","entity_id"),
	CONSTRAINT "entity_progress_applied_seq" CHECK ("entity_progress"."applied_seq" >= 0),
	CONSTRAINT "entity_progress_parked_count" CHECK ("entity_progress"."parked_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"payload_hash" "bytea" NOT NULL,
	"outcome" text NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_events_outcome" CHECK ("processed_events"."outcome" in ('applied', 'parked', 'dead_lettered')),
	CONSTRAINT "processed_events_seq_positive" CHECK ("processed_events"."seq" > 0)
);
--> statement-breakpoint
CREATE TABLE "gateway_payments" (
	"payment_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"customer_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"currency" char(3) NOT NULL,
	"amount_minor" bigint NOT NULL,
	"captured_minor" bigint DEFAULT 0 NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"last_seq" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateway_payments_state" CHECK ("gateway_payments"."state" in ('initiated', 'authorized', 'captured', 'refunded', 'failed', 'cancelled')),
	CONSTRAINT "gateway_payments_amounts" CHECK ("gateway_payments"."amount_minor" > 0 and "gateway_payments"."captured_minor" >= 0 and "gateway_payments"."refunded_minor" >= 0 and "gateway_payments"."captured_minor" <= "gateway_payments"."amount_minor" and "gateway_payments"."refunded_minor" <= "gateway_payments"."captured_minor"),
	CONSTRAINT "gateway_payments_last_seq" CHECK ("gateway_payments"."last_seq" > 0)
);
--> statement-breakpoint
CREATE TABLE "idempotency_requests" (
	"api_key_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" text NOT NULL,
	"response_status" integer,
	"response_body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "idempotency_requests_api_key_id_idempotency_key_pk" PRIMARY KEY("api_key_id","idempotency_key"),
	CONSTRAINT "idempotency_requests_status" CHECK ("idempotency_requests"."status" in ('in_progress', 'completed'))
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"event_type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"correlation_id" text NOT NULL,
	"traceparent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_balances" (
	"account" text NOT NULL,
	"currency" char(3) NOT NULL,
	"balance_minor" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "account_balances_account_currency_pk" PRIMARY KEY("account","currency")
);
--> statement-breakpoint
CREATE TABLE "currencies" (
	"code" char(3) PRIMARY KEY NOT NULL,
	"minor_units" smallint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tx_id" uuid NOT NULL,
	"payment_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"event_type" text NOT NULL,
	"account" text NOT NULL,
	"direction" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" char(3) NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_direction" CHECK ("ledger_entries"."direction" in ('debit', 'credit')),
	CONSTRAINT "ledger_entries_amount_positive" CHECK ("ledger_entries"."amount_minor" > 0)
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"payment_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"customer_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"currency" char(3) NOT NULL,
	"amount_minor" bigint NOT NULL,
	"authorized_minor" bigint DEFAULT 0 NOT NULL,
	"captured_minor" bigint DEFAULT 0 NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"failure_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payments_state" CHECK ("payments"."state" in ('initiated', 'authorized', 'captured', 'refunded', 'failed', 'cancelled')),
	CONSTRAINT "payments_amounts" CHECK ("payments"."amount_minor" > 0 and "payments"."authorized_minor" >= 0 and "payments"."captured_minor" >= 0 and "payments"."refunded_minor" >= 0
          and "payments"."authorized_minor" <= "payments"."amount_minor" and "payments"."captured_minor" <= "payments"."authorized_minor" and "payments"."refunded_minor" <= "payments"."captured_minor")
);
--> statement-breakpoint
CREATE TABLE "consumer_offsets" (
	"group_id" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"next_offset" bigint NOT NULL,
	"first_offset" bigint NOT NULL,
	"generation" bigint DEFAULT 0 NOT NULL,
	"owner" text,
	"applied_count" bigint DEFAULT 0 NOT NULL,
	"duplicate_count" bigint DEFAULT 0 NOT NULL,
	"parked_count" bigint DEFAULT 0 NOT NULL,
	"dead_lettered_count" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consumer_offsets_group_id_topic_partition_pk" PRIMARY KEY("group_id","topic","partition"),
	CONSTRAINT "consumer_offsets_offsets_ordered" CHECK ("consumer_offsets"."first_offset" >= 0 and "consumer_offsets"."next_offset" >= "consumer_offsets"."first_offset"),
	CONSTRAINT "consumer_offsets_accounted" CHECK ("consumer_offsets"."applied_count" + "consumer_offsets"."duplicate_count" + "consumer_offsets"."parked_count" + "consumer_offsets"."dead_lettered_count" <= "consumer_offsets"."next_offset" - "consumer_offsets"."first_offset")
);
--> statement-breakpoint
CREATE TABLE "dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"group_id" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"key" "bytea",
	"value" "bytea",
	"headers" jsonb NOT NULL,
	"reason_code" text NOT NULL,
	"error" text NOT NULL,
	"event_id" uuid,
	"entity_type" text,
	"entity_id" text,
	"seq" bigint,
	"attempts" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'dead' NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "dead_letters_status" CHECK ("dead_letters"."status" in ('dead', 'redriven', 'discarded'))
);
--> statement-breakpoint
CREATE TABLE "parked_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"group_id" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"event_id" uuid NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"expected_seq" bigint NOT NULL,
	"key" "bytea",
	"value" "bytea" NOT NULL,
	"headers" jsonb NOT NULL,
	"status" text DEFAULT 'parked' NOT NULL,
	"parked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "parked_events_status" CHECK ("parked_events"."status" in ('parked', 'applied', 'released', 'dead_lettered'))
);
--> statement-breakpoint
ALTER TABLE "gateway_payments" ADD CONSTRAINT "gateway_payments_currency_fk" FOREIGN KEY ("currency") REFERENCES "public"."currencies"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_balances" ADD CONSTRAINT "account_balances_currency_fk" FOREIGN KEY ("currency") REFERENCES "public"."currencies"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_currency_fk" FOREIGN KEY ("currency") REFERENCES "public"."currencies"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_currency_fk" FOREIGN KEY ("currency") REFERENCES "public"."currencies"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "processed_events_applied_seq" ON "processed_events" USING btree ("entity_type","entity_id","seq") WHERE "processed_events"."outcome" = 'applied';--> statement-breakpoint
CREATE INDEX "processed_events_position" ON "processed_events" USING btree ("topic","partition","offset");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_event_id" ON "outbox" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_entity_seq" ON "outbox" USING btree ("entity_type","entity_id","seq");--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "outbox" USING btree ("id") WHERE "outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "ledger_entries_tx" ON "ledger_entries" USING btree ("tx_id");--> statement-breakpoint
CREATE INDEX "ledger_entries_payment" ON "ledger_entries" USING btree ("payment_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_position" ON "dead_letters" USING btree ("group_id","topic","partition","offset");--> statement-breakpoint
CREATE UNIQUE INDEX "parked_events_event_id" ON "parked_events" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "parked_events_waiting" ON "parked_events" USING btree ("entity_type","entity_id","seq") WHERE "parked_events"."status" = 'parked';