ALTER TABLE "resident_requests" ALTER COLUMN "channel_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "resident_requests" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "resident_requests" ADD COLUMN "external_id" text;--> statement-breakpoint
CREATE INDEX "alerts_lat_lng_idx" ON "alerts" USING btree ("lat","lng");--> statement-breakpoint
CREATE INDEX "devices_lat_lng_idx" ON "devices" USING btree ("lat","lng");--> statement-breakpoint
ALTER TABLE "resident_requests" ADD CONSTRAINT "resident_requests_source_external_id_key" UNIQUE("source","external_id");--> statement-breakpoint
ALTER TABLE "resident_requests" ADD CONSTRAINT "resident_requests_origin_check" CHECK ("resident_requests"."channel_id" is not null or ("resident_requests"."source" is not null and "resident_requests"."external_id" is not null));