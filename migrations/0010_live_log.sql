-- The live log: one row per event a live topic published (the ids of the records it names), in
-- the order the writing transactions COMMITTED (src/platform/pubsub/live-log.ts). `seq` is
-- assigned at commit by a deferred trigger that first takes a transaction-level advisory lock:
-- the lock is held until the commit is visible, so a transaction gets its numbers only after
-- every one numbered before it is visible. A reader that sees seq N therefore sees every seq
-- below N: a cursor never skips a record committed late. (A sequence value taken in the body
-- of a transaction would not do: a transaction that takes 5 and commits after the one that
-- took 6 would be skipped by a reader already past 6.)
CREATE SEQUENCE "live_seq";--> statement-breakpoint
CREATE TABLE "live_log" (
  "written" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "seq" bigint UNIQUE,
  "topic" text NOT NULL,
  "ids" jsonb NOT NULL,
  "logged_at" timestamptz NOT NULL DEFAULT now()
);--> statement-breakpoint
CREATE INDEX "live_log_topic_seq" ON "live_log" ("topic", "seq");--> statement-breakpoint
CREATE INDEX "live_log_unnumbered" ON "live_log" ("written") WHERE "seq" IS NULL;--> statement-breakpoint
CREATE INDEX "live_log_logged_at" ON "live_log" ("logged_at");--> statement-breakpoint
-- The highest seq pruned (older than LIVE_REPLAY_DAYS): a cursor below it has expired.
CREATE TABLE "live_log_horizon" ("id" int PRIMARY KEY CHECK ("id" = 1), "pruned_through" bigint NOT NULL);--> statement-breakpoint
INSERT INTO "live_log_horizon" VALUES (1, 0);--> statement-breakpoint
CREATE FUNCTION "live_log_number"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unnumbered bigint;
BEGIN
  -- The first of the transaction's rows numbers them all; the others find nothing left. Rows
  -- of other transactions with no seq are not visible here (they have not committed).
  IF NOT EXISTS (SELECT 1 FROM "live_log" WHERE "seq" IS NULL) THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(7320614);
  FOR unnumbered IN SELECT "written" FROM "live_log" WHERE "seq" IS NULL ORDER BY "written" LOOP
    UPDATE "live_log" SET "seq" = nextval('live_seq') WHERE "written" = unnumbered;
  END LOOP;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_log_number" AFTER INSERT ON "live_log" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "live_log_number"();
