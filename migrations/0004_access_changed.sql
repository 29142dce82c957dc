-- Who may do what is cached per hub process (src/access.ts, AccessCache) and cleared by the
-- `accessChanged` event. The hub publishes it itself when it changes grants, keys or
-- principals; these triggers publish it for every other change of the tables an access is
-- built from — SQL typed into the database by hand included — so that no process keeps serving
-- what was just taken away. Delivered on commit, like the hub's own (channel of the topic
-- `accessChanged`, src/platform/pubsub/pg-bus.ts).
CREATE FUNCTION "access_changed_principal"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('gridhub_accesschanged', json_build_object('principal', OLD."name")::text);
  ELSE
    PERFORM pg_notify('gridhub_accesschanged', json_build_object('principal', NEW."name")::text);
    IF OLD."name" IS DISTINCT FROM NEW."name" THEN
      PERFORM pg_notify('gridhub_accesschanged', json_build_object('principal', OLD."name")::text);
    END IF;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "principals_access_changed" AFTER UPDATE OR DELETE ON "principals" FOR EACH ROW EXECUTE FUNCTION "access_changed_principal"();--> statement-breakpoint
CREATE FUNCTION "access_changed_grant"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed "grants";
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  PERFORM pg_notify('gridhub_accesschanged', json_strip_nulls(json_build_object('granteeUnitCode', changed."grantee_unit_code", 'granteeDepartmentCode', changed."grantee_department_code"))::text);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "grants_access_changed" AFTER INSERT OR UPDATE OR DELETE ON "grants" FOR EACH ROW EXECUTE FUNCTION "access_changed_grant"();--> statement-breakpoint
CREATE FUNCTION "access_changed_any"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridhub_accesschanged', '{}');
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "departments_access_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "departments" FOR EACH STATEMENT EXECUTE FUNCTION "access_changed_any"();--> statement-breakpoint
CREATE TRIGGER "units_access_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "units" FOR EACH STATEMENT EXECUTE FUNCTION "access_changed_any"();--> statement-breakpoint
CREATE TRIGGER "principals_truncated" AFTER TRUNCATE ON "principals" FOR EACH STATEMENT EXECUTE FUNCTION "access_changed_any"();--> statement-breakpoint
CREATE TRIGGER "grants_truncated" AFTER TRUNCATE ON "grants" FOR EACH STATEMENT EXECUTE FUNCTION "access_changed_any"();
