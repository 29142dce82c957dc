CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"status" text DEFAULT 'OPEN' NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"device_id" uuid,
	"device_external_id" text,
	"lat" double precision,
	"lng" double precision,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"acknowledged_at" timestamp (3) with time zone,
	"acknowledged_by" text,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"city_code" text NOT NULL,
	"district_code" text,
	"street_code" text,
	"community_code" text,
	"grid_code" text,
	CONSTRAINT "alerts_source_external_id_key" UNIQUE("source","external_id")
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"model" text,
	"department_code" text,
	"status" text DEFAULT 'ONLINE' NOT NULL,
	"lat" double precision,
	"lng" double precision,
	"heartbeat_interval_seconds" integer DEFAULT 300 NOT NULL,
	"last_heartbeat_at" timestamp (3) with time zone,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"city_code" text NOT NULL,
	"district_code" text,
	"street_code" text,
	"community_code" text,
	"grid_code" text,
	CONSTRAINT "devices_source_external_id_key" UNIQUE("source","external_id")
);
--> statement-breakpoint
CREATE TABLE "departments" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"jurisdiction_code" text NOT NULL,
	"domains" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "principals" (
	"name" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"kind" text NOT NULL,
	"roles" text[] NOT NULL,
	"unit_code" text,
	"department_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "units" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"tier" text NOT NULL,
	"parent_code" text,
	"path" text NOT NULL,
	"depth" smallint NOT NULL,
	CONSTRAINT "units_path_unique" UNIQUE("path")
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "departments" ADD CONSTRAINT "departments_jurisdiction_code_units_code_fk" FOREIGN KEY ("jurisdiction_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "principals" ADD CONSTRAINT "principals_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "principals" ADD CONSTRAINT "principals_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_parent_code_units_code_fk" FOREIGN KEY ("parent_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_city_time_idx" ON "alerts" USING btree ("city_code","occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "alerts_district_time_idx" ON "alerts" USING btree ("district_code","occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "alerts_street_time_idx" ON "alerts" USING btree ("street_code","occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "alerts_community_time_idx" ON "alerts" USING btree ("community_code","occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "alerts_grid_time_idx" ON "alerts" USING btree ("grid_code","occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "alerts_device_id_idx" ON "alerts" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "devices_city_time_idx" ON "devices" USING btree ("city_code","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "devices_district_time_idx" ON "devices" USING btree ("district_code","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "devices_street_time_idx" ON "devices" USING btree ("street_code","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "devices_community_time_idx" ON "devices" USING btree ("community_code","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "devices_grid_time_idx" ON "devices" USING btree ("grid_code","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "principals_unit_code_idx" ON "principals" USING btree ("unit_code");--> statement-breakpoint
CREATE INDEX "units_parent_code_idx" ON "units" USING btree ("parent_code");--> statement-breakpoint
CREATE INDEX "units_path_prefix_idx" ON "units" USING btree ("path" text_pattern_ops);