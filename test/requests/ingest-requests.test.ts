import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { tables } from '../../src/tables.js';

const { auditLog, departments, principals, residentRequests } = tables;

/**
 * ingestResidentRequests: requests made through another channel (the 12345 hotline), pushed in
 * by its adapter with the ingestAlerts contract. They land SUBMITTED at their community with
 * their source as the channel marker, contact fields personal as for QR submissions.
 */

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestResidentRequestsInput!) {
    ingestResidentRequests(input: $input) { accepted updated duplicates rejected skipped results { index externalId status id: recordId error { code field message } } }
  }
`;
const ONE = /* GraphQL */ `
  query One($id: ID!) {
    residentRequest(id: $id) { id source externalId category text status submittedAt trackingCode location { lat lng } address contactName contactPhone maskedFields unit { code } }
  }
`;
const TRACK = /* GraphQL */ `
  query Track($code: String!) { residentRequestStatus(trackingCode: $code) { category status unit { code } } }
`;

const SHUGUANG = '320613006001';
const WENFENG_COMMUNITY = '320613008001';
const UUID = expect.stringMatching(/^[0-9a-f-]{36}$/);

let hub: TestHub;
const tag = `r${Date.now() % 1_000_000}`;
const SUBMITTED = '2026-11-20T14:14:00.000Z';

beforeAll(async () => {
  hub = await createTestHub();
  // A hotline in 文峰 only, for complaints and hazards only.
  await hub.database.db.insert(departments).values({ code: 'wenfeng-hotline', name: '文峰热线分中心', jurisdictionCode: '320613008', domains: [{ kind: 'ResidentRequest', types: ['COMPLAINT', 'HAZARD'] }] });
  await hub.database.db.insert(principals).values({ name: 'wenfeng-hotline', displayName: '文峰热线接入', kind: 'ADAPTER', roles: ['ADAPTER'], unitCode: null, departmentCode: 'wenfeng-hotline' });
});
afterAll(async () => {
  await hub?.close();
});

function record(i: number, over: Record<string, unknown> = {}) {
  return { externalId: `${tag}-${i}`, category: 'COMPLAINT', text: '来电反映：楼下夜宵摊油烟扰民。', unitCode: SHUGUANG, submittedAt: SUBMITTED, ...over };
}
async function ingest(as: string, records: unknown[], atomic = false) {
  return hub.gql(INGEST, { input: { source: as, records, atomic } }, { as });
}

describe('ingestResidentRequests', () => {
  it('stores each new request once, personal fields as for any request; a repeat is DUPLICATE', async () => {
    const a = record(1, { contactName: '李四', contactPhone: '138 0000 5678', address: '曙光新村3幢1单元402室', location: { lat: 32.01, lng: 120.86 } });
    const b = record(2, { category: 'HELP', text: '独居老人家中水管破裂' });
    const first = await ingest('12345-hotline', [a, b]);
    expect(first.body).toEqual({
      data: {
        ingestResidentRequests: {
          accepted: 2, updated: 0, duplicates: 0, rejected: 0, skipped: 0,
          results: [
            { index: 0, externalId: a.externalId, status: 'ACCEPTED', id: UUID, error: null },
            { index: 1, externalId: b.externalId, status: 'ACCEPTED', id: UUID, error: null },
          ],
        },
      },
    });
    const id = first.body.data!['ingestResidentRequests'].results[0].id as string;
    const full = await hub.gql(ONE, { id }, { as: 'shuguang.officer' });
    const trackingCode = full.body.data!['residentRequest'].trackingCode as string;
    expect(full.body.data!['residentRequest']).toEqual({
      id, source: '12345-hotline', externalId: a.externalId, category: 'COMPLAINT', text: a.text, status: 'SUBMITTED', submittedAt: SUBMITTED, trackingCode,
      location: { lat: 32.01, lng: 120.86 }, address: '曙光新村3幢1单元402室', contactName: '李四', contactPhone: '13800005678', maskedFields: [], unit: { code: SHUGUANG },
    });
    const masked = await hub.gql(ONE, { id }, { as: 'xuetian.officer' });
    expect(masked.body.data!['residentRequest']).toMatchObject({ contactName: '李*', contactPhone: '138****5678', maskedFields: ['address', 'contactName', 'contactPhone'] });
    expect((await hub.gql(TRACK, { code: trackingCode })).body.data).toEqual({ residentRequestStatus: { category: 'COMPLAINT', status: 'SUBMITTED', unit: { code: SHUGUANG } } });

    const repeat = await ingest('12345-hotline', [a, { ...b, text: 'changed' }]);
    expect(repeat.body.data!['ingestResidentRequests']).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await hub.database.db.select().from(residentRequests).where(eq(residentRequests.source, '12345-hotline'))).toHaveLength(2);
    expect((await hub.database.db.select().from(auditLog).where(eq(auditLog.operation, 'ingestResidentRequests'))).map((e) => e.recordIds.length)).toEqual([2, 0]);
  });

  it('reports each record: fields, units, tiers, jurisdiction and domain', async () => {
    const { body } = await ingest('wenfeng-hotline', [
      record(10, { unitCode: WENFENG_COMMUNITY }),
      record(11, { unitCode: WENFENG_COMMUNITY, contactPhone: 'call me' }),
      record(12, { unitCode: WENFENG_COMMUNITY, text: '' }),
      record(13, { unitCode: '320613008' }),
      record(14, { unitCode: '320613999001' }),
      record(15, { unitCode: SHUGUANG }),
      record(16, { unitCode: WENFENG_COMMUNITY, category: 'HELP' }),
      record(17, { unitCode: WENFENG_COMMUNITY, photoUrl: 'ftp://example.org/x.jpg' }),
    ]);
    const report = body.data!['ingestResidentRequests'];
    expect(report).toMatchObject({ accepted: 1, rejected: 7 });
    expect((report.results as { status: string; error: { code: string; field: string } | null }[]).map((r) => [r.status, r.error?.code ?? null, r.error?.field ?? null])).toEqual([
      ['ACCEPTED', null, null],
      ['REJECTED', 'INVALID_FIELD', 'contactPhone'],
      ['REJECTED', 'INVALID_FIELD', 'text'],
      ['REJECTED', 'INVALID_FIELD', 'unitCode'],
      ['REJECTED', 'UNKNOWN_UNIT', 'unitCode'],
      ['REJECTED', 'OUT_OF_JURISDICTION', 'unitCode'],
      ['REJECTED', 'OUT_OF_DOMAIN', 'type'],
      ['REJECTED', 'INVALID_FIELD', 'photoUrl'],
    ]);
  });

  it('atomic: nothing written when one record is refused', async () => {
    const { body } = await ingest('12345-hotline', [record(20), record(21, { unitCode: '320600' })], true);
    expect((body.data!['ingestResidentRequests'].results as { status: string }[]).map((r) => r.status)).toEqual(['SKIPPED', 'REJECTED']);
    expect(await hub.database.db.select().from(residentRequests).where(eq(residentRequests.externalId, `${tag}-20`))).toEqual([]);
  });

  it('refuses the wrong principals: an adapter without the domain, officers, no credentials', async () => {
    for (const as of ['iot-platform', 'shuguang.officer', 'city.admin']) {
      const { body } = await ingest(as, [record(30)]);
      expect(body.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    }
    const anonymous = await hub.gql(INGEST, { input: { source: '12345-hotline', records: [record(30)], atomic: false } });
    expect(anonymous.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
    expect(await hub.database.db.select().from(residentRequests).where(eq(residentRequests.externalId, `${tag}-30`))).toEqual([]);
  });
});
