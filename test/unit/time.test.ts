import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cstDateTime, cstDay, cstDayStart, cstMidnight, cstWallClock, DAY_MS } from '../../src/platform/time.js';

describe('China Standard Time helpers', () => {
  it('a UTC evening is already the next day in Shanghai', () => {
    expect(cstDay(new Date('2026-11-23T15:59:59Z'))).toBe('2026-11-23');
    expect(cstDay(new Date('2026-11-23T16:00:00Z'))).toBe('2026-11-24');
  });

  it('the wall clock reads UTC+8 in its UTC fields', () => {
    const wall = cstWallClock(new Date('2026-12-31T20:30:00Z'));
    expect([wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), wall.getUTCHours()]).toEqual([2027, 0, 1, 4]);
  });

  it('midnight is 16:00 UTC the day before, and month overflow rolls as Date.UTC does', () => {
    expect(cstMidnight(2026, 10, 23).toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(cstMidnight(2026, 12, 1).toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('a date-time is written to the second with +08:00', () => {
    expect(cstDateTime(new Date('2026-11-28T09:12:05.999Z'))).toBe('2026-11-28T17:12:05+08:00');
  });

  it('cstDayStart reads only real dates written YYYY-MM-DD', () => {
    expect(cstDayStart('2026-11-23')?.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(cstDayStart('2028-02-29')).toBeDefined();
    for (const bad of ['2026-02-29', '2026-13-01', '2026-11-31', '2026-1-01', '20261123', '2026-11-23T00:00', ' 2026-11-23', ''])
      expect(cstDayStart(bad), bad).toBeUndefined();
  });

  it('any instant lies in [its day start, +24 h), and day start and cstDay round-trip', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1971-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }), (at) => {
        const start = cstDayStart(cstDay(at));
        expect(start).toBeDefined();
        expect(start!.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(at.getTime() - start!.getTime()).toBeLessThan(DAY_MS);
        expect(cstDay(start!)).toBe(cstDay(at));
      }),
    );
  });
});
