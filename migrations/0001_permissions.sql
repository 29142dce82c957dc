CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"principal_name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"label" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"revoked_by" text,
	CONSTRAINT "api_keys_key_hash_key" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"actor" text NOT NULL,
	"actor_kind" text NOT NULL,
	"unit_code" text,
	"unit_path" text,
	"operation" text NOT NULL,
	"outcome" text NOT NULL,
	"kind" text,
	"record_ids" text[] NOT NULL,
	"fields" text[] NOT NULL,
	"purpose" text,
	"details" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_code" text NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "channels_token_hash_key" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"grantee_unit_code" text,
	"grantee_department_code" text,
	"kind" text NOT NULL,
	"types" text[],
	"fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"within_unit_code" text NOT NULL,
	"within_path" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"revoked_by" text,
	CONSTRAINT "grants_one_grantee" CHECK (("grants"."grantee_unit_code" is null) <> ("grants"."grantee_department_code" is null))
);
--> statement-breakpoint
CREATE TABLE "resident_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tracking_code" text NOT NULL,
	"channel_id" uuid NOT NULL,
	"category" text NOT NULL,
	"text" text NOT NULL,
	"photo_url" text,
	"lat" double precision,
	"lng" double precision,
	"address" text,
	"contact_name" text,
	"contact_phone" text,
	"status" text DEFAULT 'SUBMITTED' NOT NULL,
	"reply" text,
	"replied_at" timestamp (3) with time zone,
	"satisfaction" integer,
	"submitted_at" timestamp (3) with time zone NOT NULL,
	"closed_at" timestamp (3) with time zone,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"city_code" text NOT NULL,
	"district_code" text,
	"street_code" text,
	"community_code" text,
	"grid_code" text,
	CONSTRAINT "resident_requests_tracking_code_key" UNIQUE("tracking_code")
);
--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "address" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "holder_name" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "holder_phone" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "holder_id_number" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_principal_name_principals_name_fk" FOREIGN KEY ("principal_name") REFERENCES "public"."principals"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_community_code_units_code_fk" FOREIGN KEY ("community_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_grantee_unit_code_units_code_fk" FOREIGN KEY ("grantee_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_grantee_department_code_departments_code_fk" FOREIGN KEY ("grantee_department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_within_unit_code_units_code_fk" FOREIGN KEY ("within_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resident_requests" ADD CONSTRAINT "resident_requests_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_principal_name_idx" ON "api_keys" USING btree ("principal_name");--> statement-breakpoint
CREATE INDEX "audit_log_unit_path_idx" ON "audit_log" USING btree ("unit_path" text_pattern_ops,"seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "channels_community_code_idx" ON "channels" USING btree ("community_code");--> statement-breakpoint
CREATE INDEX "grants_grantee_unit_idx" ON "grants" USING btree ("grantee_unit_code");--> statement-breakpoint
CREATE INDEX "grants_grantee_department_idx" ON "grants" USING btree ("grantee_department_code");--> statement-breakpoint
CREATE INDEX "grants_within_path_idx" ON "grants" USING btree ("within_path" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "resident_requests_city_time_idx" ON "resident_requests" USING btree ("city_code","submitted_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "resident_requests_district_time_idx" ON "resident_requests" USING btree ("district_code","submitted_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "resident_requests_street_time_idx" ON "resident_requests" USING btree ("street_code","submitted_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "resident_requests_community_time_idx" ON "resident_requests" USING btree ("community_code","submitted_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "resident_requests_grid_time_idx" ON "resident_requests" USING btree ("grid_code","submitted_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "resident_requests_channel_id_idx" ON "resident_requests" USING btree ("channel_id");--> statement-breakpoint
-- The audit log is append-only: the database itself refuses to change or remove an entry.
-- (Someone with the rights to drop this trigger could still alter rows; the hash chain is
-- what detects that: `gridhub audit verify`.)
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
