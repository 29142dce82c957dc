import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PERIOD_DAYS, monthOf, periodOf, previousOf, weekOf } from '../../src/modules/reports/report.period.js';
import { BadUserInputError } from '../../src/platform/errors.js';
import { cstDay, DAY_MS } from '../../src/platform/time.js';

const NOW = new Date('2026-12-07T04:00:00Z');
const iso = (p: { from: Date; to: Date }) => [p.from.toISOString(), p.to.toISOString()];

/** The coded error's field, or the error itself when it is not a BadUserInputError. */
function refusal(run: () => unknown): { field: unknown; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof BadUserInputError) return { field: (error.extensions as { field?: unknown }).field, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

describe('report periods (Asia/Shanghai calendar)', () => {
  it('a week runs from Monday 00:00 to Monday 00:00 Shanghai time', () => {
    // Sunday 2026-11-29 23:30 in Shanghai is still the week of Monday 2026-11-23.
    expect(iso(weekOf(new Date('2026-11-29T15:30:00Z')))).toEqual(['2026-11-22T16:00:00.000Z', '2026-11-29T16:00:00.000Z']);
    // Half an hour later it is Monday in Shanghai (Sunday in UTC): the next week.
    expect(iso(weekOf(new Date('2026-11-29T16:00:00Z')))).toEqual(['2026-11-29T16:00:00.000Z', '2026-12-06T16:00:00.000Z']);
  });

  it('a month is the Shanghai calendar month, February of a leap year included', () => {
    expect(iso(monthOf(new Date('2028-02-29T15:59:59Z')))).toEqual(['2028-01-31T16:00:00.000Z', '2028-02-29T16:00:00.000Z']);
    expect(iso(monthOf(new Date('2026-12-31T16:00:00Z')))).toEqual(['2026-12-31T16:00:00.000Z', '2027-01-31T16:00:00.000Z']);
  });

  it('the previous month is the calendar month before, whatever its length; the previous week is 7 days before', () => {
    expect(iso(previousOf(monthOf(new Date('2026-03-10T00:00:00Z'))))).toEqual(['2026-01-31T16:00:00.000Z', '2026-02-28T16:00:00.000Z']);
    const week = weekOf(new Date('2026-11-25T00:00:00Z'));
    expect(iso(previousOf(week))).toEqual([new Date(week.from.getTime() - 7 * DAY_MS).toISOString(), week.from.toISOString()]);
  });

  it('every instant lies in its week, which starts on a Monday in Shanghai and lasts 7 days', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (at) => {
        const week = weekOf(at);
        expect(week.from.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(week.to.getTime()).toBeGreaterThan(at.getTime());
        expect(week.to.getTime() - week.from.getTime()).toBe(7 * DAY_MS);
        expect(new Date(`${cstDay(week.from)}T00:00:00Z`).getUTCDay()).toBe(1);
        const month = monthOf(at);
        expect(cstDay(month.from).endsWith('-01')).toBe(true);
        expect(month.from.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(month.to.getTime()).toBeGreaterThan(at.getTime());
      }),
    );
  });

  it('periodOf reads WEEK and MONTH from any day in them', () => {
    expect(iso(periodOf({ kind: 'WEEK', date: '2026-11-26' }, NOW))).toEqual(['2026-11-22T16:00:00.000Z', '2026-11-29T16:00:00.000Z']);
    expect(periodOf({ kind: 'MONTH', date: '2026-11-26' }, NOW).kind).toBe('MONTH');
  });

  it('periodOf refuses what it cannot read, naming the field', () => {
    expect(refusal(() => periodOf({ kind: 'WEEK' }, NOW)).field).toBe('date');
    expect(refusal(() => periodOf({ kind: 'MONTH', date: '2026-02-30' }, NOW)).field).toBe('date');
    expect(refusal(() => periodOf({ kind: 'CUSTOM', from: new Date('2026-01-01') }, NOW)).field).toBe('to');
    expect(refusal(() => periodOf({ kind: 'CUSTOM', to: new Date('2026-01-01') }, NOW)).field).toBe('from');
    expect(refusal(() => periodOf({ kind: 'CUSTOM', from: new Date('2026-02-01'), to: new Date('2026-01-01') }, NOW)).field).toBe('from');
  });

  it('a custom period spans at most MAX_PERIOD_DAYS', () => {
    const from = new Date('2025-01-01T00:00:00Z');
    expect(periodOf({ kind: 'CUSTOM', from, to: new Date(from.getTime() + MAX_PERIOD_DAYS * DAY_MS) }, NOW).kind).toBe('CUSTOM');
    expect(refusal(() => periodOf({ kind: 'CUSTOM', from, to: new Date(from.getTime() + MAX_PERIOD_DAYS * DAY_MS + 1) }, NOW)).field).toBe('to');
  });

  it('a period that has not ended by now is refused: a report is a snapshot of a whole period', () => {
    expect(refusal(() => periodOf({ kind: 'WEEK', date: '2026-12-07' }, NOW)).message).toMatch(/not ended/);
    expect(refusal(() => periodOf({ kind: 'MONTH', date: '2026-12-01' }, NOW)).message).toMatch(/not ended/);
    // The week that ended at Monday 00:00 Shanghai is ready from that instant.
    expect(periodOf({ kind: 'WEEK', date: '2026-12-06' }, new Date('2026-12-06T16:00:00Z')).kind).toBe('WEEK');
  });
});
