CREATE TABLE "rate_limit_counters" (
	"bucket" text NOT NULL,
	"window_start" timestamp (3) with time zone NOT NULL,
	"hits" integer NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "rate_limit_counters_pkey" PRIMARY KEY("bucket","window_start")
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "token" text;--> statement-breakpoint
ALTER TABLE "resident_requests" ADD COLUMN "rated_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "resident_requests" ADD COLUMN "rating_comment" text;--> statement-breakpoint
CREATE INDEX "rate_limit_counters_expires_at_idx" ON "rate_limit_counters" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "resident_requests" ADD CONSTRAINT "resident_requests_satisfaction_check" CHECK ("resident_requests"."satisfaction" is null or "resident_requests"."satisfaction" between 1 and 5);