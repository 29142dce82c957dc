CREATE TABLE "unit_moves" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"from_path" text NOT NULL,
	"to_path" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp (3) with time zone,
	"batches" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "retired_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "successor_code" text;--> statement-breakpoint
ALTER TABLE "unit_moves" ADD CONSTRAINT "unit_moves_code_units_code_fk" FOREIGN KEY ("code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_successor_code_units_code_fk" FOREIGN KEY ("successor_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;