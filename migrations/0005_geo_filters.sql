CREATE INDEX "audit_log_record_ids_idx" ON "audit_log" USING gin ("record_ids");--> statement-breakpoint
CREATE INDEX "cases_lat_lng_idx" ON "cases" USING btree ("lat","lng");--> statement-breakpoint
CREATE INDEX "patrol_findings_lat_lng_idx" ON "patrol_findings" USING btree ("lat","lng");--> statement-breakpoint
CREATE INDEX "resident_requests_lat_lng_idx" ON "resident_requests" USING btree ("lat","lng");