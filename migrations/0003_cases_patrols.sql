CREATE SEQUENCE "public"."case_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "case_history" (
	"case_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"actor" text NOT NULL,
	"actor_unit_code" text,
	"at" timestamp (3) with time zone NOT NULL,
	"action" text NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"note" text,
	"assignee_before" text,
	"assignee_after" text,
	CONSTRAINT "case_history_pkey" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"category" text NOT NULL,
	"severity" text NOT NULL,
	"state" text NOT NULL,
	"suspended_from" text,
	"version" integer DEFAULT 1 NOT NULL,
	"origin_kind" text NOT NULL,
	"origin_id" uuid,
	"assignee_code" text NOT NULL,
	"assignee_path" text NOT NULL,
	"lat" double precision,
	"lng" double precision,
	"reporter_name" text,
	"reporter_phone" text,
	"opened_at" timestamp (3) with time zone NOT NULL,
	"opened_by" text NOT NULL,
	"deadline_at" timestamp (3) with time zone NOT NULL,
	"closed_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"source" text,
	"external_id" text,
	"reopen_count" integer DEFAULT 0 NOT NULL,
	"escalation_count" integer DEFAULT 0 NOT NULL,
	"satisfaction" integer,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"city_code" text NOT NULL,
	"district_code" text,
	"street_code" text,
	"community_code" text,
	"grid_code" text,
	CONSTRAINT "cases_number_key" UNIQUE("number"),
	CONSTRAINT "cases_source_external_id_key" UNIQUE("source","external_id")
);
--> statement-breakpoint
CREATE TABLE "patrol_findings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"report_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"category" text NOT NULL,
	"description" text NOT NULL,
	"severity" text NOT NULL,
	"lat" double precision,
	"lng" double precision,
	"photo_urls" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"case_id" uuid,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"city_code" text NOT NULL,
	"district_code" text,
	"street_code" text,
	"community_code" text,
	"grid_code" text,
	CONSTRAINT "patrol_findings_report_seq_key" UNIQUE("report_id","seq")
);
--> statement-breakpoint
CREATE TABLE "patrol_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"filed_by" text NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone NOT NULL,
	"route_note" text DEFAULT '' NOT NULL,
	"filed_at" timestamp (3) with time zone NOT NULL,
	"source" text,
	"external_id" text,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"city_code" text NOT NULL,
	"district_code" text,
	"street_code" text,
	"community_code" text,
	"grid_code" text,
	CONSTRAINT "patrol_reports_source_external_id_key" UNIQUE("source","external_id")
);
--> statement-breakpoint
ALTER TABLE "case_history" ADD CONSTRAINT "case_history_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patrol_findings" ADD CONSTRAINT "patrol_findings_report_id_patrol_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."patrol_reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cases_city_time_idx" ON "cases" USING btree ("city_code","opened_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cases_district_time_idx" ON "cases" USING btree ("district_code","opened_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cases_street_time_idx" ON "cases" USING btree ("street_code","opened_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cases_community_time_idx" ON "cases" USING btree ("community_code","opened_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cases_grid_time_idx" ON "cases" USING btree ("grid_code","opened_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cases_assignee_path_idx" ON "cases" USING btree ("assignee_path" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "cases_origin_idx" ON "cases" USING btree ("origin_kind","origin_id");--> statement-breakpoint
CREATE INDEX "cases_sla_idx" ON "cases" USING btree ("deadline_at") WHERE "cases"."state" in ('REPORTED', 'REGISTERED', 'DISPATCHED', 'IN_PROGRESS');--> statement-breakpoint
CREATE INDEX "patrol_findings_case_id_idx" ON "patrol_findings" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "patrol_reports_city_time_idx" ON "patrol_reports" USING btree ("city_code","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "patrol_reports_district_time_idx" ON "patrol_reports" USING btree ("district_code","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "patrol_reports_street_time_idx" ON "patrol_reports" USING btree ("street_code","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "patrol_reports_community_time_idx" ON "patrol_reports" USING btree ("community_code","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "patrol_reports_grid_time_idx" ON "patrol_reports" USING btree ("grid_code","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);