CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"period_kind" text NOT NULL,
	"period_from" timestamp (3) with time zone NOT NULL,
	"period_to" timestamp (3) with time zone NOT NULL,
	"generated_at" timestamp (3) with time zone NOT NULL,
	"generated_by" text NOT NULL,
	"figures" jsonb NOT NULL,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"city_code" text NOT NULL,
	"district_code" text,
	"street_code" text,
	"community_code" text,
	"grid_code" text,
	CONSTRAINT "reports_unit_period_key" UNIQUE("unit_code","period_from","period_to")
);
--> statement-breakpoint
CREATE INDEX "reports_city_time_idx" ON "reports" USING btree ("city_code","period_from" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "reports_district_time_idx" ON "reports" USING btree ("district_code","period_from" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "reports_street_time_idx" ON "reports" USING btree ("street_code","period_from" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "reports_community_time_idx" ON "reports" USING btree ("community_code","period_from" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "reports_grid_time_idx" ON "reports" USING btree ("grid_code","period_from" DESC NULLS FIRST,"id" DESC NULLS FIRST);