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
    await until(() => hub.handle.hub.singles.of(caseLive).subscribers === names.length);

    // Each change is heard before the next is made: an event names the case and the feed loads
    // it, so a case changed again before that load is delivered in its later state (README).
    const heard = (n: number) => Promise.all(['shuguang.officer', 'hujing.grid', 'xuetian.officer'].map((name) => subs.get(name)!.waitFor(n)));
    const c = await open(hub, 'chongchuan.officer', { unitCode: U.hujing, title: '楼道堆物', category: 'SAFETY_HAZARD', severity: 'MEDIUM', reporterPhone: '13912345678' });
    await heard(1);
    await moveOk(hub, 'chongchuan.officer', c.id, 'REGISTER');
    await heard(2);
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
    // 文峰 hears of it only once it is assigned within 文峰 (and sees it masked: assignment moves work, never personal data).
    expect(mine('wenfeng.officer')).toEqual([{ ...there, state: 'DISPATCHED', reporterPhone: masked }]);
    for (const sub of subs.values()) await sub.close();
  });

  it('a geographic filter narrows: only cases located in the box or circle; a bad one is BAD_USER_INPUT', async () => {
    const centre = { lat: 32.0146, lng: 120.8641 };
    const live = () => hub.handle.hub.singles.of(caseLive).subscribers;
    await until(() => live() === 0); // the subscriptions of the test before are gone
    const GEO = 'subscription Geo($filter: CaseChangedFilter) { caseChanged(filter: $filter) { id state reporterPhone assignee { code } } }';
    const token = `Bearer ${await hub.token('xuetian.officer')}`;
    const inCircle = await subscribe<Event>(hub.wsUrl, token, GEO, { filter: { near: { ...centre, radiusMeters: 200 } } });
    const inBox = await subscribe<Event>(hub.wsUrl, token, GEO, { filter: { bbox: { minLat: 32.0, maxLat: 32.0147, minLng: 120.86, maxLng: 120.87 } } });
    const elsewhere = await subscribe<Event>(hub.wsUrl, `Bearer ${await hub.token('wenfeng.officer')}`, GEO, { filter: { near: { ...centre, radiusMeters: 200 } } });
    await until(() => live() === 3);

    // ~111 m north of the centre: in the circle, outside the box (maxLat 32.0147); then one with no location, then one 2 km away.
    const near = await open(hub, 'xuetian.officer', { unitCode: U.hujing, title: '井盖松动', category: 'SAFETY_HAZARD', severity: 'MEDIUM', location: { lat: 32.0156, lng: 120.8641 } });
    await open(hub, 'xuetian.officer', { unitCode: U.hujing, title: '无位置', category: 'SAFETY_HAZARD', severity: 'MEDIUM' });
    const far = await open(hub, 'xuetian.officer', { unitCode: U.hujing, title: '远处', category: 'SAFETY_HAZARD', severity: 'MEDIUM', location: { lat: 32.0326, lng: 120.8641 } });
    const boxed = await open(hub, 'xuetian.officer', { unitCode: U.hujing, title: '框内', category: 'SAFETY_HAZARD', severity: 'MEDIUM', location: { lat: 32.0100, lng: 120.8650 } });
    await inCircle.waitFor(1);
    await inBox.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inCircle.received.map((e) => e.id)).toEqual([near.id]);
    expect(inBox.received.map((e) => e.id)).toEqual([boxed.id]);
    expect(far.id).not.toBe(near.id);
    // 文峰 may not read 学田's cases: the same circle brings it nothing.
    expect(elsewhere.received).toEqual([]);
    for (const sub of [inCircle, inBox, elsewhere]) await sub.close();

    const bad = await subscribe<Event>(hub.wsUrl, token, GEO, { filter: { near: { ...centre, radiusMeters: 0 } } });
    await until(() => bad.errors.length > 0 || bad.received.length > 0);
    expect(bad.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'filter.near.radiusMeters' }) })]);
    await bad.close();
  });

  it('is refused to a principal who may not read cases', async () => {
    const sub = await subscribe<Event>(hub.wsUrl, `Bearer ${await hub.token('fire.officer')}`, QUERY);
    await until(() => sub.errors.length > 0 || sub.received.length > 0);
    expect(sub.received).toEqual([]);
    expect(sub.errors).toEqual([expect.objectContaining({ path: ['caseChanged'], extensions: { code: 'FORBIDDEN', action: 'read', subject: 'Case' } })]);
    await sub.close();
  });
});
