import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';

/**
 * The alert page reads fewer columns when its selection allows (the lean readers of
 * alert.service.ts): whatever the selection, every field answers as when every column is read,
 * the same devices are visible, and a device read lean never stands in for the whole record
 * elsewhere in the request.
 */
let hub: TestHub;

const PRINCIPALS = ['city.admin', 'chongchuan.officer', 'xuetian.officer', 'shuguang.officer', 'hujing.grid', 'fire.officer'];
const LEAN = 'id type severity status occurredAt unit { code name tier } device { id externalId name type status }';
// `payload`, `model` and `createdAt` are outside the lean sets: this reads every column.
const FULL = `${LEAN} payload device { model createdAt }`;

interface Node {
  id: string;
  device: { id: string; name: string; holderName?: string | null; address?: string | null; [field: string]: unknown } | null;
  [field: string]: unknown;
}

async function page(as: string, node: string): Promise<Node[]> {
  const { body } = await hub.gql<{ alerts: { edges: { node: Node }[] } }>(`{ alerts(first: 100) { edges { node { ${node} } } } }`, {}, { as });
  expect(body.errors).toBeUndefined();
  return body.data!.alerts.edges.map((e) => e.node);
}

beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

describe('the alert page read lean', () => {
  it.each(PRINCIPALS)('answers %s as the full read does, the same devices visible', async (as) => {
    const lean = await page(as, LEAN);
    const full = await page(as, FULL);
    expect(lean.length).toBe(full.length);
    expect(lean).toEqual(
      full.map((n) => {
        const { payload: _payload, ...rest } = n;
        const device = n.device && { id: n.device.id, externalId: n.device['externalId'], name: n.device.name, type: n.device['type'], status: n.device['status'] };
        return { ...rest, device };
      }),
    );
  });

  it('a lean device never stands in for the record: another page of the same request reads it in full', async () => {
    const personal = 'id device { id name address holderName holderPhone holderIdNumber model createdAt }';
    const alone = await page('shuguang.officer', personal);
    expect(alone.some((n) => n.device?.holderName ?? n.device?.address)).toBe(true);
    const { body } = await hub.gql<{ lean: { edges: { node: Node }[] }; full: { edges: { node: Node }[] } }>(
      `{ lean: alerts(first: 100) { edges { node { ${LEAN} } } } full: alerts(first: 100) { edges { node { ${personal} } } } }`,
      {},
      { as: 'shuguang.officer' },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.full.edges.map((e) => e.node)).toEqual(alone);
  });

  it('through fragments, a personal field of the device reads every column (and is masked as before)', async () => {
    for (const as of ['shuguang.officer', 'xuetian.officer']) {
      const { body } = await hub.gql<{ alerts: { edges: { node: Node }[] } }>(
        `{ alerts(first: 100) { edges { node { ...A } } } } fragment A on Alert { id device { ...D } } fragment D on Device { id name holderName address }`,
        {},
        { as },
      );
      expect(body.errors).toBeUndefined();
      const nodes = body.data!.alerts.edges.map((e) => e.node).filter((n) => n.device !== null);
      expect(nodes.length).toBeGreaterThan(0);
      for (const n of nodes) {
        const alone = await hub.gql<{ device: Record<string, unknown> }>(`query($id: ID!) { device(id: $id) { id name holderName address } }`, { id: n.device!.id }, { as });
        expect(n.device).toEqual(alone.body.data!.device);
      }
    }
  });
});
