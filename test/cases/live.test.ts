import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe, type LiveSubscription } from '../helpers/ws.js';
import { caseLive } from '../../src/modules/cases/case.live.js';
import { U, moveOk, open, until } from './support.js';

/**
 * caseChanged over graphql-ws with real tokens: each change reaches exactly the principals who
 * may read the case — where it happened, and its assignee unit once dispatched there — masked
 * for each subscriber by its own ability; a principal who may not read cases is refused.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

type Event = { id: string; state: string; reporterPhone: string | null; assignee: { code: string } };
const QUERY = 'subscription { caseChanged { id state reporterPhone assignee { code } } }';

describe('caseChanged', () => {
  it('reaches the right principals only, each with its own masking', async () => {
    const names = ['shuguang.officer', 'hujing.grid', 'xuetian.officer', 'wenfeng.officer'] as const;
    const subs = new Map<string, LiveSubscription<Event>>();
    for (const name of names) subs.set(name, await subscribe<Event>(hub.wsUrl, `Bearer ${await hub.token(name)}`, QUERY));
    await until(() => hub.handle.hub.single(caseLive).subscribers === names.length);

    const c = await open(hub, 'chongchuan.officer', { unitCode: U.hujing, title: '楼道堆物', category: 'SAFETY_HAZARD', severity: 'MEDIUM', reporterPhone: '13912345678' });
    await moveOk(hub, 'chongchuan.officer', c.id, 'REGISTER');
    await moveOk(hub, 'chongchuan.officer', c.id, 'DISPATCH', { assignee: U.wenfengCommunity });
    for (const name of ['shuguang.officer', 'hujing.grid', 'xuetian.officer']) await subs.get(name)!.waitFor(3);
    await subs.get('wenfeng.officer')!.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mine = (name: string) => subs.get(name)!.received.filter((e) => e.id === c.id);
    const full = '13912345678';
    const masked = '139****5678';
    const here = { id: c.id, assignee: { code: U.hujing } };
    const there = { id: c.id, assignee: { code: U.wenfengCommunity } };
    expect(mine('shuguang.officer')).toEqual([{ ...here, state: 'REPORTED', reporterPhone: full }, { ...here, state: 'REGISTERED', reporterPhone: full }, { ...there, state: 'DISPATCHED', reporterPhone: full }]);
    expect(mine('hujing.grid')).toEqual([{ ...here, state: 'REPORTED', reporterPhone: full }, { ...here, state: 'REGISTERED', reporterPhone: full }, { ...there, state: 'DISPATCHED', reporterPhone: full }]);
    expect(mine('xuetian.officer')).toEqual([{ ...here, state: 'REPORTED', reporterPhone: masked }, { ...here, state: 'REGISTERED', reporterPhone: masked }, { ...there, state: 'DISPATCHED', reporterPhone: masked }]);
    // 文峰 hears of it only once it is assigned within 文峰 (and sees it masked: 文峰 is not the assignee unit itself).
    expect(mine('wenfeng.officer')).toEqual([{ ...there, state: 'DISPATCHED', reporterPhone: masked }]);
    for (const sub of subs.values()) await sub.close();
  });

  it('is refused to a principal who may not read cases', async () => {
    const sub = await subscribe<Event>(hub.wsUrl, `Bearer ${await hub.token('fire.officer')}`, QUERY);
    await until(() => sub.errors.length > 0 || sub.received.length > 0);
    expect(sub.received).toEqual([]);
    expect(sub.errors).toEqual([expect.objectContaining({ path: ['caseChanged'], extensions: { code: 'FORBIDDEN', action: 'read', subject: 'Case' } })]);
    await sub.close();
  });
});
