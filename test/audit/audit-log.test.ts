import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, dbKind, freshDatabase, type GqlResponse, type TestHub } from '../helpers/hub.js';
import { openServer } from '../../src/platform/db/database.js';
import { verifyAuditChain, flushLedger } from '../../src/modules/audit/index.js';
import { loadPrincipal } from '../../src/modules/principals/index.js';
import { createContext } from '../../src/context.js';
import { accessFor } from '../../src/access.js';
import { entriesAfter, entry, expectLinked, headSeq, logPage, run, wholeLog, UUID, type Entry } from './support.js';

/**
 * The audit log end to end: what each mutation, denial and personal-data read writes, who may
 * read it (`auditLog`), and that the chain stays whole under concurrent writers. Each test
 * notes the head of the chain first and looks at what came after it.
 */

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestAlertsInput!) {
    ingestAlerts(input: $input) { accepted rejected results { externalId status id: recordId error { code } } }
  }
`;
const ACK = /* GraphQL */ `mutation Ack($id: ID!) { acknowledgeAlert(id: $id) { id status } }`;
const ALERT = /* GraphQL */ `query One($id: ID!) { alert(id: $id) { id status } }`;

let hub: TestHub;
/** Alerts go into the near future, after every seeded one; one second apart. */
const T0 = Math.ceil((Date.now() + 60_000) / 1000) * 1000;
let tick = 0;
const nextTime = () => new Date(T0 + ++tick * 1000).toISOString();
let serial = 0;

interface IngestBody {
  ingestAlerts: { accepted: number; rejected: number; results: { externalId: string; status: string; id: string | null; error: { code: string } | null }[] };
}

/** MEDIUM smoke: no alert rule opens a case for it (a HIGH one would add an `openCase` entry by the rules). */
function records(...unitCodes: string[]) {
  return unitCodes.map((unitCode) => ({ externalId: `audit-${process.pid}-${++serial}`, type: 'SMOKE', severity: 'MEDIUM', occurredAt: nextTime(), unitCode }));
}

async function ingest(unitCodes: string[], options: { as?: string; headers?: Record<string, string> } = {}): Promise<GqlResponse<IngestBody>> {
  return hub.gql<IngestBody>(INGEST, { input: { source: 'iot-platform', records: records(...unitCodes) } }, { as: options.as ?? 'iot-platform', ...(options.headers ? { headers: options.headers } : {}) });
}

/** Ingests one alert into `unitCode` and returns its id. */
async function alertIn(unitCode: string): Promise<string> {
  const { body } = await ingest([unitCode]);
  expect(body.errors).toBeUndefined();
  return body.data!.ingestAlerts.results[0]!.id!;
}

beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

describe('every mutation writes its entry, in its own transaction', () => {
  it('ingestAlerts: one ALLOWED entry naming the records written; refused records in a DENIED one', async () => {
    const before = await headSeq(hub);
    const { body } = await ingest(['320613006001', '320613008001', '320600']);
    expect(body.errors).toBeUndefined();
    const results = body.data!.ingestAlerts.results;
    expect(results.map((r) => r.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'REJECTED']);
    const written = await entriesAfter(hub, before);
    expect(written).toEqual([
      entry({
        actor: 'iot-platform',
        actorKind: 'ADAPTER',
        unitCode: '320613',
        operation: 'ingestAlerts',
        kind: 'Alert',
        recordIds: expect.arrayContaining([results[0]!.id!, results[1]!.id!]),
        details: { source: 'iot-platform', records: 3, inserted: 2, rejected: { OUT_OF_JURISDICTION: 1 }, aborted: false },
      }),
      entry({
        actor: 'iot-platform',
        actorKind: 'ADAPTER',
        unitCode: '320613',
        operation: 'ingestAlerts',
        outcome: 'DENIED',
        kind: 'Alert',
        details: { refused: [{ externalId: results[2]!.externalId, code: 'OUT_OF_JURISDICTION' }], count: 1 },
      }),
    ]);
    expect(written[0]!.recordIds).toHaveLength(2);
    expect(written[0]!.seq).toBe(before + 1);
    expectLinked(written);
  });

  it('acknowledgeAlert: one entry naming the alert; a second attempt (CONFLICT) writes none', async () => {
    const id = await alertIn('320613006002');
    const before = await headSeq(hub);
    expect((await hub.gql(ACK, { id }, { as: 'xuetian.officer' })).body).toEqual({ data: { acknowledgeAlert: { id, status: 'ACKNOWLEDGED' } } });
    expect(await entriesAfter(hub, before)).toEqual([
      entry({ seq: before + 1, actor: 'xuetian.officer', actorKind: 'PERSON', unitCode: '320613006', operation: 'acknowledgeAlert', kind: 'Alert', recordIds: [id] }),
    ]);
    const again = await hub.gql(ACK, { id }, { as: 'xuetian.officer' });
    expect(again.body.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    expect(await headSeq(hub)).toBe(before + 1);
  });

  it('a write whose transaction fails at commit leaves no entry (the entry was written inside it)', async () => {
    // A deferred constraint trigger fails the ingest's transaction at COMMIT, after the audit
    // entry was appended inside it: both must vanish.
    await run(hub.database.db, `create function fail_at_commit() returns trigger language plpgsql as $$ begin raise exception 'refused at commit'; end $$`);
    await run(hub.database.db, `create constraint trigger fail_at_commit after insert on alerts deferrable initially deferred for each row when (new.unit_code = '320613006003') execute function fail_at_commit()`);
    try {
      const before = await headSeq(hub);
      const alertsBefore = (await run(hub.database.db, `select count(*)::int as n from alerts`))[0]!['n'];
      const { body } = await ingest(['320613006001', '320613006003']);
      expect(body).toEqual({ data: null, errors: [expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })] });
      expect(await headSeq(hub)).toBe(before);
      expect((await run(hub.database.db, `select count(*)::int as n from alerts`))[0]!['n']).toBe(alertsBefore);
    } finally {
      await run(hub.database.db, `drop trigger fail_at_commit on alerts`);
      await run(hub.database.db, `drop function fail_at_commit()`);
    }
  });

  it('a write whose entry cannot be written does not happen', async () => {
    const id = await alertIn('320613006004');
    await run(hub.database.db, `create function refuse_ack_entry() returns trigger language plpgsql as $$ begin raise exception 'no entry'; end $$`);
    await run(hub.database.db, `create trigger refuse_ack_entry before insert on audit_log for each row when (new.operation = 'acknowledgeAlert') execute function refuse_ack_entry()`);
    try {
      const before = await headSeq(hub);
      const { body } = await hub.gql(ACK, { id }, { as: 'xuetian.officer' });
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      expect((await hub.gql(ALERT, { id }, { as: 'xuetian.officer' })).body).toEqual({ data: { alert: { id, status: 'OPEN' } } });
      expect(await headSeq(hub)).toBe(before);
    } finally {
      await run(hub.database.db, `drop trigger refuse_ack_entry on audit_log`);
      await run(hub.database.db, `drop function refuse_ack_entry()`);
    }
  });
});

describe('denied attempts', () => {
  it('FORBIDDEN carries action and subject, and is written as a DENIED entry', async () => {
    const before = await headSeq(hub);
    const response = await ingest(['320613006001'], { as: 'xuetian.officer' });
    expect(response.body).toEqual({
      data: null,
      errors: [{ message: 'Not allowed to ingest Alert', locations: expect.any(Array), path: ['ingestAlerts'], extensions: { code: 'FORBIDDEN', action: 'ingest', subject: 'Alert' } }],
    });
    expect(await entriesAfter(hub, before)).toEqual([
      entry({
        seq: before + 1,
        actor: 'xuetian.officer',
        actorKind: 'PERSON',
        unitCode: '320613006',
        operation: 'ingest',
        outcome: 'DENIED',
        kind: 'Alert',
        details: { reason: 'Not allowed to ingest Alert', path: ['ingestAlerts'] },
      }),
    ]);
  });

  it('acknowledging an alert one may read but not acknowledge: FORBIDDEN, and the entry names the alert', async () => {
    const id = await alertIn('320613006001001');
    const before = await headSeq(hub);
    const { body } = await hub.gql(ACK, { id }, { as: 'hujing.grid' });
    expect(body).toEqual({
      data: null,
      errors: [{ message: 'Not allowed to acknowledge Alert', locations: expect.any(Array), path: ['acknowledgeAlert'], extensions: { code: 'FORBIDDEN', action: 'acknowledge', subject: 'Alert' } }],
    });
    expect(await entriesAfter(hub, before)).toEqual([
      entry({
        actor: 'hujing.grid',
        actorKind: 'PERSON',
        unitCode: '320613006001001',
        operation: 'acknowledge',
        outcome: 'DENIED',
        kind: 'Alert',
        recordIds: [id],
        details: { reason: 'Not allowed to acknowledge Alert', path: ['acknowledgeAlert'] },
      }),
    ]);
  });

  it('a record outside the scope answers exactly like a missing one; only the existing one is logged', async () => {
    const id = await alertIn('320613006001');
    const missing = randomUUID();
    const sameAnswer = (response: GqlResponse, key: string) => ({ status: response.status, body: JSON.parse(JSON.stringify(response.body).replaceAll(key, '<id>')) as unknown });

    for (const [query, operation] of [
      [ALERT, 'read'],
      [ACK, 'acknowledge'],
    ] as const) {
      const before = await headSeq(hub);
      const outside = await hub.gql(query, { id }, { as: 'wenfeng.officer' });
      const afterOutside = await headSeq(hub);
      const nowhere = await hub.gql(query, { id: missing }, { as: 'wenfeng.officer' });
      expect(outside.body.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', what: 'Alert', key: id });
      expect(sameAnswer(outside, id)).toEqual(sameAnswer(nowhere, missing));
      // One DENIED entry for the alert that exists, none for the id that names nothing.
      expect(afterOutside).toBe(before + 1);
      expect(await headSeq(hub)).toBe(before + 1);
      expect(await entriesAfter(hub, before)).toEqual([
        entry({
          actor: 'wenfeng.officer',
          actorKind: 'PERSON',
          unitCode: '320613008',
          operation,
          outcome: 'DENIED',
          kind: 'Alert',
          recordIds: [id],
          details: { reason: 'outside the caller’s scope: answered NOT_FOUND' },
        }),
      ]);
    }
    // The alert is untouched.
    expect((await hub.gql(ALERT, { id }, { as: 'xuetian.officer' })).body).toEqual({ data: { alert: { id, status: 'OPEN' } } });
  });

  it('over WebSocket: a FORBIDDEN subscription and query are DENIED entries carrying connectionParams.purpose', async () => {
    const client = createClient({
      url: hub.wsUrl,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${await hub.token('city.auditor')}`, purpose: '年度数据安全检查' },
    });
    const before = await headSeq(hub);
    const once = (query: string) =>
      new Promise<unknown[]>((resolve, reject) => {
        const messages: unknown[] = [];
        client.subscribe({ query }, { next: (value) => messages.push(value), error: reject, complete: () => resolve(messages) });
      });
    try {
      // A subscription refused before its stream exists has no `data` at all.
      expect(await once('subscription { alertRaised { id } }')).toEqual([
        { errors: [{ message: 'Not allowed to read Alert', locations: expect.any(Array), path: ['alertRaised'], extensions: { code: 'FORBIDDEN', action: 'read', subject: 'Alert' } }] },
      ]);
      expect(await once('{ alerts(first: 1) { totalCount } }')).toEqual([
        { data: null, errors: [{ message: 'Not allowed to read Alert', locations: expect.any(Array), path: ['alerts'], extensions: { code: 'FORBIDDEN', action: 'read', subject: 'Alert' } }] },
      ]);
    } finally {
      await client.dispose();
    }
    const denied = (path: string) =>
      entry({
        actor: 'city.auditor',
        actorKind: 'PERSON',
        unitCode: '320600',
        operation: 'read',
        outcome: 'DENIED',
        kind: 'Alert',
        purpose: '年度数据安全检查',
        details: { reason: 'Not allowed to read Alert', path: [path] },
      });
    expect(await entriesAfter(hub, before)).toEqual([denied('alertRaised'), denied('alerts')]);
  });

  it('a ledger that cannot be written leaves the answer as it was', async () => {
    await run(hub.database.db, `create function refuse_denied() returns trigger language plpgsql as $$ begin raise exception 'no denied entries'; end $$`);
    await run(hub.database.db, `create trigger refuse_denied before insert on audit_log for each row when (new.outcome = 'DENIED') execute function refuse_denied()`);
    try {
      const before = await headSeq(hub);
      const response = await ingest(['320613006001'], { as: 'wenfeng.officer' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        data: null,
        errors: [{ message: 'Not allowed to ingest Alert', locations: expect.any(Array), path: ['ingestAlerts'], extensions: { code: 'FORBIDDEN', action: 'ingest', subject: 'Alert' } }],
      });
      expect(await headSeq(hub)).toBe(before);
    } finally {
      await run(hub.database.db, `drop trigger refuse_denied on audit_log`);
      await run(hub.database.db, `drop function refuse_denied()`);
    }
  });
});

describe('purpose', () => {
  it('x-purpose lands in every entry of the request, UTF-8 as sent, cut to 500 characters', async () => {
    let before = await headSeq(hub);
    await ingest(['320613006001', '320600'], { headers: { 'x-purpose': 'routine sync' } });
    expect((await entriesAfter(hub, before)).map((e) => [e.outcome, e.purpose])).toEqual([
      ['ALLOWED', 'routine sync'],
      ['DENIED', 'routine sync'],
    ]);

    // curl sends UTF-8 bytes as they are; fetch wants a byte string, so hand it the bytes.
    const purpose = '核查学田街道火警 (fire check)';
    before = await headSeq(hub);
    await ingest(['320613006001'], { as: 'xuetian.officer', headers: { 'x-purpose': Buffer.from(purpose, 'utf8').toString('latin1') } });
    expect((await entriesAfter(hub, before)).map((e) => [e.operation, e.outcome, e.purpose])).toEqual([['ingest', 'DENIED', purpose]]);

    before = await headSeq(hub);
    await ingest(['320613006001'], { headers: { 'x-purpose': 'x'.repeat(600) } });
    expect((await entriesAfter(hub, before)).map((e) => e.purpose)).toEqual(['x'.repeat(500)]);
  });
});

describe('personal data returned unmasked', () => {
  it('one read entry per record kind: records, the union of fields, per-record fields when they differ', async () => {
    const principal = await loadPrincipal(hub.database.db, 'shuguang.officer', null);
    const ctx = createContext(hub.handle.hub, await accessFor(hub.handle.hub, principal), '入户走访');
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()].sort();
    ctx.ledger.disclosed('Device', b!, 'holderName');
    ctx.ledger.disclosed('Device', a!, 'holderPhone');
    ctx.ledger.disclosed('Device', a!, 'holderName');
    ctx.ledger.disclosed('Device', a!, 'holderName');
    ctx.ledger.disclosed('ResidentRequest', c!, 'phone');
    ctx.ledger.denied({ operation: 'read', kind: 'Device', recordId: null, reason: 'test' });
    const before = await headSeq(hub);
    await flushLedger(ctx);
    expect(ctx.ledger.empty).toBe(true);
    const reader = { actor: 'shuguang.officer', actorKind: 'PERSON', unitCode: '320613006001', purpose: '入户走访' };
    expect(await entriesAfter(hub, before)).toEqual([
      entry({ ...reader, operation: 'read', kind: 'Device', recordIds: [a!, b!], fields: ['holderName', 'holderPhone'], details: { fieldsByRecord: { [a!]: ['holderName', 'holderPhone'], [b!]: ['holderName'] } } }),
      entry({ ...reader, operation: 'read', kind: 'ResidentRequest', recordIds: [c!], fields: ['phone'] }),
      entry({ ...reader, operation: 'read', outcome: 'DENIED', kind: 'Device', details: { reason: 'test' } }),
    ]);
    // Drained: a second flush writes nothing.
    await flushLedger(ctx);
    expect(await headSeq(hub)).toBe(before + 3);
  });
});

describe('auditLog', () => {
  const STREET_AUDITOR = 'xuetian.auditor';
  /** The actors whose home is within 学田 (320613006). */
  const WITHIN_XUETIAN = new Set(['xuetian.officer', 'shuguang.officer', 'hujing.grid']);

  beforeAll(async () => {
    await run(hub.database.db, `insert into principals (name, display_name, kind, roles, unit_code) values ('${STREET_AUDITOR}', '学田街道数据审计员', 'PERSON', '{AUDITOR}', '320613006')`);
    // Entries from inside and outside 学田.
    const inShuguang = await alertIn('320613006001');
    expect((await hub.gql(ACK, { id: inShuguang }, { as: 'shuguang.officer' })).body.errors).toBeUndefined();
    await hub.gql(ACK, { id: await alertIn('320613006001001') }, { as: 'hujing.grid' });
    await hub.gql(ACK, { id: await alertIn('320613008001') }, { as: 'wenfeng.officer' });
    await hub.gql(ACK, { id: await alertIn('320613001001') }, { as: 'city.admin' });
  });

  it('the city auditor reads the whole chain, newest first, linked; totalCount agrees', async () => {
    const all = await wholeLog(hub, 'city.auditor');
    const [{ n }] = (await run(hub.database.db, `select count(*)::int as n from audit_log`)) as [{ n: number }];
    expect(all.totalCount).toBe(n);
    expect(all.nodes).toHaveLength(n);
    expect(all.nodes.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => n - i));
    expectLinked([...all.nodes].reverse());
    expect(new Set(all.nodes.map((e) => e.actor))).toEqual(new Set(['iot-platform', 'xuetian.officer', 'hujing.grid', 'wenfeng.officer', 'shuguang.officer', 'city.auditor', 'city.admin']));
  });

  it('an auditor at a street reads exactly the entries of actors within the street', async () => {
    const city = await wholeLog(hub, 'city.auditor');
    const street = await wholeLog(hub, STREET_AUDITOR);
    const expected = city.nodes.filter((e) => WITHIN_XUETIAN.has(e.actor));
    expect(expected.length).toBeGreaterThan(0);
    expect(street).toEqual({ totalCount: expected.length, nodes: expected });
    expect(new Set(street.nodes.map((e) => e.unitCode))).toEqual(new Set(['320613006', '320613006001', '320613006001001']));
  });

  it('pages: keyset on seq, stable while entries are appended; a foreign cursor is BAD_USER_INPUT', async () => {
    const street = await wholeLog(hub, STREET_AUDITOR);
    const first = await logPage(hub, { as: STREET_AUDITOR }, {}, 2);
    expect(first.nodes).toEqual(street.nodes.slice(0, 2));
    expect(first.hasNextPage).toBe(true);
    expect(first.endCursor).toBe(first.cursors[1]);
    // Newer entries of the street's own actors arrive between the pages.
    await ingest(['320613006001'], { as: 'xuetian.officer' });
    const second = await logPage(hub, { as: STREET_AUDITOR }, {}, 2, first.endCursor!);
    expect(second.nodes).toEqual(street.nodes.slice(2, 4));
    expect(second.totalCount).toBe(street.totalCount + 1);

    const alertCursor = (await hub.gql<{ alerts: { pageInfo: { endCursor: string } } }>(`{ alerts(first: 1) { pageInfo { endCursor } } }`, {}, { as: 'city.admin' })).body.data!.alerts.pageInfo.endCursor;
    for (const after of [alertCursor, 'not-a-cursor']) {
      const { body } = await hub.gql(`query($after: String) { auditLog(after: $after) { totalCount } }`, { after }, { as: 'city.auditor' });
      expect(body).toEqual({ data: null, errors: [expect.objectContaining({ message: 'after is not a cursor this API gave out', extensions: { code: 'BAD_USER_INPUT', field: 'after' } })] });
    }
  });

  it('filters narrow, and combine with AND; they never widen the scope', async () => {
    const city = await wholeLog(hub, 'city.auditor');
    const at = (e: Entry) => Date.parse(e.at);
    const middle = city.nodes[Math.floor(city.nodes.length / 2)]!;
    const acknowledged = city.nodes.find((e) => e.operation === 'acknowledgeAlert' && e.actor === 'shuguang.officer')!;
    const cases: [Record<string, unknown>, (e: Entry) => boolean][] = [
      [{ operation: 'acknowledgeAlert' }, (e) => e.operation === 'acknowledgeAlert'],
      [{ outcome: 'DENIED' }, (e) => e.outcome === 'DENIED'],
      [{ actor: 'wenfeng.officer' }, (e) => e.actor === 'wenfeng.officer'],
      [{ kind: 'Alert', outcome: 'ALLOWED', operation: 'ingestAlerts' }, (e) => e.kind === 'Alert' && e.outcome === 'ALLOWED' && e.operation === 'ingestAlerts'],
      [{ from: middle.at }, (e) => at(e) >= at(middle)],
      [{ to: middle.at }, (e) => at(e) < at(middle)],
      [{ from: middle.at, to: middle.at }, () => false],
      [{ unitCode: '320613006' }, (e) => e.unitCode?.startsWith('320613006') === true],
      [{ unitCode: '320613006001', operation: 'acknowledgeAlert' }, (e) => e.unitCode?.startsWith('320613006001') === true && e.operation === 'acknowledgeAlert'],
      [{ recordId: acknowledged.recordIds[0] }, (e) => e.recordIds.includes(acknowledged.recordIds[0]!)],
      [{ recordId: 'no-such-record' }, () => false],
    ];
    for (const [filter, keep] of cases) {
      const expected = city.nodes.filter(keep);
      expect(await wholeLog(hub, 'city.auditor', filter), JSON.stringify(filter)).toEqual({ totalCount: expected.length, nodes: expected });
    }
    expect(city.nodes.some((e) => e.operation === 'acknowledgeAlert' && e.actor === 'wenfeng.officer')).toBe(true);
    expect(await wholeLog(hub, STREET_AUDITOR, { actor: 'wenfeng.officer' })).toEqual({ totalCount: 0, nodes: [] });
    expect(await wholeLog(hub, STREET_AUDITOR, { unitCode: '320613008' })).toEqual({ totalCount: 0, nodes: [] });
    const wenfengAck = city.nodes.find((e) => e.operation === 'acknowledgeAlert' && e.actor === 'wenfeng.officer')!;
    expect(await wholeLog(hub, STREET_AUDITOR, { recordId: wenfengAck.recordIds[0] })).toEqual({ totalCount: 0, nodes: [] });
    const shuguangOwn = city.nodes.filter((e) => e.unitCode?.startsWith('320613006001'));
    expect(shuguangOwn.length).toBeGreaterThan(0);
    expect(await wholeLog(hub, STREET_AUDITOR, { unitCode: '320613006001' })).toEqual({ totalCount: shuguangOwn.length, nodes: shuguangOwn });
  });

  it('everyone but an auditor: FORBIDDEN (itself a DENIED entry); no credentials: UNAUTHENTICATED', async () => {
    for (const as of ['city.admin', 'chongchuan.officer', 'xuetian.officer', 'shuguang.officer', 'hujing.grid', 'fire.officer', 'iot-platform']) {
      const before = await headSeq(hub);
      const { body } = await hub.gql(`{ auditLog { totalCount edges { node { seq } } } }`, {}, { as });
      expect(body, as).toEqual({
        data: null,
        errors: [{ message: 'Not allowed to read AuditEntry', locations: expect.any(Array), path: ['auditLog'], extensions: { code: 'FORBIDDEN', action: 'read', subject: 'AuditEntry' } }],
      });
      expect(await entriesAfter(hub, before)).toEqual([
        entry({ actor: as, actorKind: expect.any(String), unitCode: expect.any(String), operation: 'read', outcome: 'DENIED', kind: 'AuditEntry', details: { reason: 'Not allowed to read AuditEntry', path: ['auditLog'] } }),
      ]);
    }
    const before = await headSeq(hub);
    const anonymous = await hub.gql(`{ auditLog { totalCount } }`);
    expect(anonymous.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await headSeq(hub)).toBe(before);
  });

  it('reading the log writes nothing to it', async () => {
    const before = await headSeq(hub);
    await wholeLog(hub, 'city.auditor');
    await wholeLog(hub, STREET_AUDITOR, { outcome: 'DENIED' });
    expect(await headSeq(hub)).toBe(before);
  });
});

describe('concurrent writers', () => {
  it('parallel ingests, acknowledgements and denials leave one unbroken chain', async () => {
    const before = await headSeq(hub);
    const ids = await Promise.all(Array.from({ length: 6 }, () => alertIn('320613006005')));
    const afterSetup = await headSeq(hub);
    const results = await Promise.all([
      ...Array.from({ length: 24 }, () => ingest(['320613006001', '320613006002'])),
      ...ids.map((id) => hub.gql(ACK, { id }, { as: 'xuetian.officer' })),
      ...Array.from({ length: 6 }, () => ingest(['320613006001'], { as: 'wenfeng.officer' })),
    ]);
    expect(results.filter((r) => r.body.errors).length).toBe(6); // the denied ones
    expect(await headSeq(hub)).toBe(afterSetup + 24 + 6 + 6);
    expect(afterSetup).toBe(before + 6);
    const verdict = await verifyAuditChain(hub.database.db);
    expect(verdict).toEqual({ intact: true, entries: afterSetup + 36, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const written = await entriesAfter(hub, afterSetup);
    expect(written.filter((e) => e.operation === 'ingestAlerts').every((e) => e.recordIds.length === 2 && e.recordIds.every((id) => UUID.test(id)))).toBe(true);
    expect(written.filter((e) => e.operation === 'acknowledgeAlert').flatMap((e) => e.recordIds).sort()).toEqual([...ids].sort());
    expect(written.filter((e) => e.outcome === 'DENIED')).toHaveLength(6);
  });

  it.skipIf(dbKind !== 'postgres')('two hub processes on one database extend one chain', async () => {
    const fresh = await freshDatabase();
    const other = await openServer({ url: fresh.url!, max: 5 });
    const hubs = [await createTestHub({ database: fresh.database }), await createTestHub({ database: other })];
    try {
      const input = (i: number) => ({ source: 'iot-platform', records: [{ externalId: `two-hubs-${i}`, type: 'SMOKE', severity: 'MEDIUM', occurredAt: nextTime(), unitCode: '320613006001' }] });
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => hubs[i % 2]!.gql<IngestBody>(INGEST, { input: input(i) }, { as: 'iot-platform' })),
      );
      expect(responses.map((r) => r.body.errors ?? r.body.data!.ingestAlerts.accepted)).toEqual(Array.from({ length: 40 }, () => 1));
      expect(await verifyAuditChain(fresh.database.db)).toEqual({ intact: true, entries: 40, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    } finally {
      for (const h of hubs) await h.close();
      await other.close();
      await fresh.drop();
    }
  });
});
