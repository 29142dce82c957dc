import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { PgNotifyBus } from '../../src/platform/pubsub/pg-bus.js';
import { freshDatabase, createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe } from '../helpers/ws.js';

/**
 * A topic's LISTEN that fails is tried again, never kept as a failure: the bus forgets the
 * failed attempt (the next subscribe opens it anew, and the failed attempt's handler is gone),
 * and a hub whose LISTEN fails at start-up tries again until it is in place, then delivers.
 */

/** A database whose LISTEN on `channel` fails `failures` times, then works. */
function failingListen(database: Database, channel: string, failures: number): Database & { attempts: () => number } {
  let attempts = 0;
  return Object.assign(Object.create(database) as Database, {
    listen: (name: string, onPayload: (payload: string) => void, onListen?: () => void) => {
      if (name !== channel) return database.listen(name, onPayload, onListen);
      attempts++;
      if (attempts <= failures) return Promise.reject(new Error(`LISTEN ${name} refused (attempt ${attempts})`));
      return database.listen(name, onPayload, onListen);
    },
    attempts: () => attempts,
  });
}

const hubs: TestHub[] = [];
afterAll(async () => {
  await Promise.all(hubs.map((hub) => hub.close()));
});

describe('a failed LISTEN', () => {
  it('is not kept by the bus: the next subscribe listens anew, and only its handler receives', async () => {
    const fresh = await freshDatabase();
    try {
      const database = failingListen(fresh.database, 'gridhub_alertraised', 1);
      const bus = new PgNotifyBus<{ alertRaised: { ids: string[] } }>(database);
      const first: string[][] = [];
      const second: string[][] = [];
      await expect(bus.subscribe('alertRaised', (event) => first.push(event.ids))).rejects.toThrow(/refused/);
      await bus.subscribe('alertRaised', (event) => second.push(event.ids));
      await fresh.database.db.transaction(async (tx) => {
        await bus.publish(tx, 'alertRaised', { ids: ['a'] });
      });
      const deadline = Date.now() + 3000;
      while (second.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect({ attempts: database.attempts(), first, second }).toEqual({ attempts: 2, first: [], second: [['a']] });
      await bus.close();
    } finally {
      await fresh.drop();
    }
  });

  it('at start-up is tried again: the hub starts once it is in place, and delivers', async () => {
    const fresh = await freshDatabase();
    const database = failingListen(fresh.database, 'gridhub_alertraised', 2);
    const hub = await createTestHub({ database });
    hubs.push({ ...hub, close: async () => (await hub.close(), await fresh.drop()) });
    const sub = await subscribe<{ externalId: string }>(hub.wsUrl, `Bearer ${await hub.token('city.admin')}`, 'subscription { alertRaised { externalId } }');
    const { body } = await hub.gql(
      'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }',
      { input: { source: 'iot-platform', records: [{ externalId: 'retry-1', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }] } },
      { as: 'iot-platform' },
    );
    expect(body.errors).toBeUndefined();
    expect((await sub.waitFor(1)).map((a) => a.externalId)).toEqual(['retry-1']);
    expect(database.attempts()).toBe(3);
    await sub.close();
  });
});
