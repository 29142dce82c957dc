import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { STREETS } from '../../src/seed/demo-units.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

describe('units', () => {
  it('answers a unit by code with its parent and children', async () => {
    const { body } = await hub.gql(`{ unit(code: "320613006001") { id code name tier path parent { code name tier } children { code name tier } } }`, {}, { as: 'hujing.grid' });
    expect(body).toEqual({
      data: {
        unit: {
          id: '320613006001',
          code: '320613006001',
          name: '曙光社区',
          tier: 'COMMUNITY',
          path: '320600.320613.320613006.320613006001',
          parent: { code: '320613006', name: '学田街道', tier: 'STREET' },
          children: [
            { code: '320613006001001', name: '互敬网格', tier: 'GRID' },
            { code: '320613006001002', name: '互助网格', tier: 'GRID' },
            { code: '320613006001003', name: '互爱网格', tier: 'GRID' },
          ],
        },
      },
    });
  });

  it('lists the 16 street offices of Chongchuan with their real codes and names', async () => {
    const { body } = await hub.gql<{ units: { code: string; name: string }[] }>(`{ units(parentCode: "320613", tier: STREET) { code name } }`, {}, { as: 'city.admin' });
    expect(body.data?.units).toEqual(STREETS.map((s) => ({ code: s.code, name: s.name })));
    expect(body.data?.units.map((u) => u.name)).toContain('文峰街道');
  });

  it('names 中央商务区社区 under 文峰 and lists units by tier', async () => {
    const { body } = await hub.gql<{ units: { code: string; name: string }[] }>(`{ units(parentCode: "320613008") { code name } }`, {}, { as: 'wenfeng.officer' });
    expect(body.data?.units[0]).toEqual({ code: '320613008001', name: '中央商务区社区' });
    const communities = await hub.gql<{ units: unknown[] }>(`{ units(tier: COMMUNITY) { code } }`, {}, { as: 'wenfeng.officer' });
    expect(communities.body.data?.units).toHaveLength(80);
  });

  it('answers NOT_FOUND for an unknown code and UNAUTHENTICATED without a token', async () => {
    const missing = await hub.gql(`{ unit(code: "999999") { code } }`, {}, { as: 'city.admin' });
    expect(missing.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const anonymous = await hub.gql(`{ unit(code: "320613") { code } }`);
    expect(anonymous.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});
