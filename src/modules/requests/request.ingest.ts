import { sql } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import { executeRows } from '../../platform/db/rows.js';
import { publishIds } from '../../platform/pubsub/bus.js';
import { PLACEMENT_RECORDSET, placementOf, placementRecord } from '../../platform/db/placement.js';
import { checks, judgePlaced, rejection, RecordErrorCode, runIngestBatch, type IngestReport, type Verdict } from '../ingest/index.js';
import { residentRequests } from './request.table.js';
import { REQUEST_LIMITS, type IngestResidentRequestsInput, type ResidentRequestRecordInput } from './request.input.js';
import { newTrackingCode } from './request.service.js';

const PHONE = new RegExp(`^\\+?\\d{${REQUEST_LIMITS.phoneDigits.min},${REQUEST_LIMITS.phoneDigits.max}}$`);

function optional(value: string | null | undefined, field: string, max: number): Verdict | undefined {
  return value === null || value === undefined ? undefined : checks.text(value, field, max);
}

function checkRecord(record: ResidentRequestRecordInput, now: Date): Verdict | undefined {
  const invalid =
    checks.text(record.externalId, 'externalId', 200) ??
    checks.text(record.text, 'text', REQUEST_LIMITS.text) ??
    checks.time(record.submittedAt, 'submittedAt', now) ??
    optional(record.photoUrl, 'photoUrl', REQUEST_LIMITS.photoUrl) ??
    checks.location(record.location) ??
    optional(record.address, 'address', REQUEST_LIMITS.address) ??
    optional(record.contactName, 'contactName', REQUEST_LIMITS.contactName) ??
    optional(record.contactPhone, 'contactPhone', 40);
  if (invalid) return invalid;
  if (record.photoUrl) {
    const url = URL.canParse(record.photoUrl) ? new URL(record.photoUrl) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
      return rejection(RecordErrorCode.INVALID_FIELD, 'photoUrl', 'photoUrl must be an http:// or https:// link without a user name or password');
    }
  }
  if (record.contactPhone && !PHONE.test(record.contactPhone.replace(/[\s\-()]/g, ''))) {
    return rejection(RecordErrorCode.INVALID_FIELD, 'contactPhone', `contactPhone must be ${REQUEST_LIMITS.phoneDigits.min} to ${REQUEST_LIMITS.phoneDigits.max} digits (a leading + is allowed)`);
  }
  return undefined;
}

/**
 * Resident requests from other channels (the 12345 hotline's work orders): the ingestAlerts
 * contract. A request lands SUBMITTED at its community (or grid) with `source` and `externalId`
 * as its channel marker and no channel; it gets a tracking code like any other. Requests do not
 * change through ingest: a repeat of (source, externalId) is DUPLICATE, whatever it holds.
 */
export function ingestResidentRequests(ctx: RequestContext, input: IngestResidentRequestsInput): Promise<IngestReport> {
  return runIngestBatch(ctx, input, {
    operation: 'ingestResidentRequests',
    subject: 'ResidentRequest',
    stored: { table: residentRequests, id: residentRequests.id, source: residentRequests.source, externalId: residentRequests.externalId },
    judge: (batch) =>
      judgePlaced(batch, {
        unitCode: (record) => record.unitCode,
        type: (record) => record.category,
        check: (record) => checkRecord(record, batch.now),
        checkUnit: (_record, unit) =>
          unit.tier !== 'COMMUNITY' && unit.tier !== 'GRID'
            ? rejection(RecordErrorCode.INVALID_FIELD, 'unitCode', `A request goes to a community or a grid; ${unit.code} is a ${unit.tier.toLowerCase()}`)
            : undefined,
      }),
    async write(tx, { source, now, records }, pending, { units }) {
      const rows = pending.map((index) => {
        const record = records[index]!;
        const placement = placementOf(units.get(record.unitCode)!.path);
        return {
          external_id: record.externalId,
          tracking_code: newTrackingCode(),
          category: record.category,
          text: record.text.trim(),
          photo_url: record.photoUrl ?? null,
          lat: record.location?.lat ?? null,
          lng: record.location?.lng ?? null,
          address: record.address ?? null,
          contact_name: record.contactName ?? null,
          contact_phone: record.contactPhone?.replace(/[\s\-()]/g, '') ?? null,
          submitted_at: record.submittedAt.toISOString(),
          ...placementRecord(placement),
        };
      });
      const inserted = await executeRows<{ id: string; external_id: string }>(
        tx,
        sql`insert into ${residentRequests} (source, external_id, tracking_code, category, text, photo_url, lat, lng, address, contact_name, contact_phone, status, submitted_at, received_at,
                                              unit_code, unit_path, city_code, district_code, street_code, community_code, grid_code)
            select ${source}, r.external_id, r.tracking_code, r.category, r.text, r.photo_url, r.lat, r.lng, r.address, r.contact_name, r.contact_phone, 'SUBMITTED', r.submitted_at, ${now.toISOString()}::timestamptz,
                   r.unit_code, r.unit_path, r.city_code, r.district_code, r.street_code, r.community_code, r.grid_code
              from json_to_recordset(${JSON.stringify(rows)}::json) as r(
                   external_id text, tracking_code text, category text, text text, photo_url text, lat double precision, lng double precision,
                   address text, contact_name text, contact_phone text, submitted_at timestamptz,
                   ${PLACEMENT_RECORDSET})
            on conflict (source, external_id) do nothing
            returning id, external_id`,
      );
      // Heard live like a channel submission, in the same transaction.
      if (inserted.length > 0) await publishIds(ctx.hub.bus, tx, 'residentRequestSubmitted', inserted.map((r) => r.id));
      return { inserted: new Map(inserted.map((r) => [r.external_id, r.id])) };
    },
  });
}
