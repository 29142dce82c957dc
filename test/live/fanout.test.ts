import { describe, expect, it } from 'vitest';
import { EVERY_UNIT, UnitIndexedFanout, type Watcher } from '../../src/platform/pubsub/fanout.js';
import { demoUnits } from '../../src/seed/demo-units.js';

/**
 * The fan-out is indexed: an event is offered only to the subscribers watching a unit on its
 * path (or every unit), never to every subscriber. Counted by `offer` calls.
 */

interface Row {
  id: string;
  unitPath: string;
}

const units = demoUnits();
const within = (path: string, root: string) => path === root || path.startsWith(`${root}.`);

function build(perUnit: number) {
  const fanout = new UnitIndexedFanout<Row>();
  const offered = new Map<string, string[]>();
  const watchers: { key: string; roots: string[] }[] = [];
  const add = (key: string, roots: string[]) => {
    offered.set(key, []);
    watchers.push({ key, roots });
    return fanout.add({ roots, offer: (row) => void offered.get(key)!.push(row.id) } satisfies Watcher<Row>);
  };
  for (const unit of units) for (let i = 0; i < perUnit; i++) add(`${unit.code}#${i}`, [unit.code]);
  add('everything', [EVERY_UNIT]);
  // One subscriber under two roots on one path (a unit and its grid): offered once per record.
  add('twice', ['320613006001', '320613006001001']);
  return { fanout, offered, watchers, add };
}

/** Offers a record to every candidate, as a live feed does. */
function dispatch(fanout: UnitIndexedFanout<Row>, record: Row): void {
  for (const watcher of fanout.candidates([record.unitPath])) watcher.offer(record, record);
}

describe('UnitIndexedFanout', () => {
  it('offers an event only to the subscribers on its path: 5 tiers × subscribers per unit, plus the ones watching everything', () => {
    const { fanout, offered, watchers } = build(3);
    expect(fanout.size).toBe(units.length * 3 + 2);
    const grid = units.find((u) => u.code === '320613006001001')!;
    dispatch(fanout, { id: 'a1', unitPath: grid.path });

    const reached = [...offered].filter(([, ids]) => ids.length > 0).map(([key, ids]) => [key, ids]);
    expect(reached.sort()).toEqual(
      [
        ...['320600', '320613', '320613006', '320613006001', '320613006001001'].flatMap((code) => [0, 1, 2].map((i) => [`${code}#${i}`, ['a1']])),
        ['everything', ['a1']],
        ['twice', ['a1']],
      ].sort(),
    );
    // 17 offers out of 1,016 subscribers.
    const offers = [...offered.values()].reduce((n, ids) => n + ids.length, 0);
    expect({ offers, subscribers: fanout.size }).toEqual({ offers: 17, subscribers: 1016 });
    // The same, computed from paths alone for every watcher.
    for (const { key, roots } of watchers) {
      const expected = roots.some((root) => root === EVERY_UNIT || within(grid.path, units.find((u) => u.code === root)!.path));
      expect({ key, got: offered.get(key)!.length }).toEqual({ key, got: expected ? 1 : 0 });
    }
  });

  it('offers an event at a street to the city, the district and the street only; none below it', () => {
    const { fanout, offered } = build(1);
    dispatch(fanout, { id: 's1', unitPath: '320600.320613.320613008' });
    const reached = [...offered].filter(([, ids]) => ids.length > 0).map(([key]) => key);
    expect(reached.sort()).toEqual(['320600#0', '320613#0', '320613008#0', 'everything'].sort());
  });

  it('stops offering to a removed subscriber, and the index empties', () => {
    const fanout = new UnitIndexedFanout<Row>();
    let offers = 0;
    const remove = fanout.add({ roots: ['320613006'], offer: () => void offers++ });
    dispatch(fanout, { id: 'x', unitPath: '320600.320613.320613006.320613006001' });
    remove();
    remove();
    dispatch(fanout, { id: 'y', unitPath: '320600.320613.320613006.320613006001' });
    expect({ offers, size: fanout.size }).toEqual({ offers: 1, size: 0 });
  });
});
