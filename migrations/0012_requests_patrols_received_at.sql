ALTER TABLE "resident_requests" ADD COLUMN "received_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Requests stored before this column: the best known arrival is their submittedAt (exact for a
-- channel submission, the sending system's time for one pushed in).
UPDATE "resident_requests" SET "received_at" = "submitted_at";--> statement-breakpoint
CREATE INDEX "patrol_reports_filed_at_idx" ON "patrol_reports" USING btree ("filed_at");--> statement-breakpoint
CREATE INDEX "resident_requests_received_at_idx" ON "resident_requests" USING btree ("received_at");