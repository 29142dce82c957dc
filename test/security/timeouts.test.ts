import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestHub, dbKind, type TestHub } from '../helpers/hub.js';
import { AUDIT_LOCK_KEY } from '../../src/modules/audit/audit.service.js';

/**
 * REQUEST_TIMEOUT_SECONDS: a request still unanswered then gets 503 SERVICE_UNAVAILABLE, and
 * the hub goes on answering. The request is held the way a real one is: the test holds the
 * audit chain's lock in a transaction of its own, so an audited mutation waits for it.
 */

const INGEST = 'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }';

describe.runIf(dbKind === 'postgres')('a request held past REQUEST_TIMEOUT_SECONDS', () => {
  let hub: TestHub;
  let holder: postgres.Sql;
  beforeAll(async () => {
    hub = await createTestHub({ env: { REQUEST_TIMEOUT_SECONDS: '1' } });
    // Two connections: one holds the lock in its transaction, the other looks meanwhile.
    holder = postgres(hub.databaseUrl!, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await holder?.end();
    await hub?.close();
  });

  it('gets 503 SERVICE_UNAVAILABLE within about a second; once the lock goes, the late write commits and the hub answers again', async () => {
    const externalId = `held-${Date.now()}`;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`;
      locked();
      await released;
    });
    await lockTaken;
    try {
      const started = Date.now();
      const response = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token('iot-platform')}` },
        body: JSON.stringify({
          query: INGEST,
          variables: { input: { source: 'iot-platform', records: [{ externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }] } },
        }),
      });
      const elapsed = Date.now() - started;
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        errors: [{ message: 'The request took longer than 1 s', extensions: { code: 'SERVICE_UNAVAILABLE', timeoutSeconds: 1 } }],
      });
      // Not before the limit; well before the lock would have been let go by itself (never).
      expect(elapsed).toBeGreaterThanOrEqual(1000);
      expect(elapsed).toBeLessThan(5000);
      // The mutation still waits on the lock meanwhile: nothing is stored yet.
      const [waiting] = await holder`select count(*)::int as n from alerts where external_id = ${externalId}`;
      expect(waiting!['n']).toBe(0);
    } finally {
      release();
      await holding;
    }
    // Whatever the request was doing finishes (its answer dropped): the alert is stored once.
    let stored = 0;
    for (let i = 0; i < 100 && stored === 0; i += 1) {
      const [row] = await holder`select count(*)::int as n from alerts where external_id = ${externalId}`;
      stored = row!['n'] as number;
      if (stored === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stored).toBe(1);
    const after = await hub.gql('{ alerts(first: 1) { totalCount } }', {}, { as: 'city.admin' });
    expect(after.status).toBe(200);
    expect(after.body.errors).toBeUndefined();
  });
});
