-- Country, referrer, variant, device/browser/OS, visitor and account-dimension rows are written by a roll-up that
-- reads the events of finished ingestion transactions, instead of by each ingestion transaction (ADR 0018): a
-- run folds many transactions' clicks of the same link, day and value into one upsert. Each event records its
-- transaction's id (ingest_xid); the roll-up reads the events of transactions below the oldest one still
-- running (all of them finished, and visible if they committed) from where its last run stopped
-- (click_rollup_progress.next_xid), and advances that in the same transaction.
--
-- Adding a nullable column to the partitioned table rewrites nothing; the BRIN index is built on every
-- partition in this statement (a pass over each, much cheaper than a b-tree's; ingestion waits meanwhile).
-- Events stored before this migration keep a null ingest_xid: their rows were written by their own
-- transaction. Consumers from before this migration keep writing every roll-up themselves and leave
-- ingest_xid null, so during a rolling upgrade no event is counted by both (docs/operations/upgrades.md).
CREATE TABLE "click_rollup_progress" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"next_xid" bigint NOT NULL,
	"rolled_up_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "click_rollup_progress_single_row" CHECK ("click_rollup_progress"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "click_events" ADD COLUMN "ingest_xid" bigint;--> statement-breakpoint
CREATE INDEX "click_events_ingest_xid_idx" ON "click_events" USING brin ("ingest_xid") WITH (pages_per_range=32,autosummarize=true);--> statement-breakpoint
-- The roll-up starts with the transactions after this one: every event before it was rolled up as it came.
INSERT INTO "click_rollup_progress" ("id", "next_xid") VALUES (1, pg_current_xact_id()::text::bigint);
