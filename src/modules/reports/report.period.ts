import { BadUserInputError } from '../../platform/errors.js';
import { cstDayStart, cstMidnight, cstWallClock, CST_OFFSET_MS, DAY_MS } from '../../platform/time.js';

/**
 * How a report's period was asked for. WEEK: Monday 00:00 to Monday 00:00, Asia/Shanghai;
 * MONTH: the calendar month, Asia/Shanghai; CUSTOM: any `[from, to)`. A grant's `types` name
 * these.
 */
export const REPORT_PERIODS = ['WEEK', 'MONTH', 'CUSTOM'] as const;
export type ReportPeriodName = (typeof REPORT_PERIODS)[number];

/*
 * Periods are calendar periods in China Standard Time (platform/time.ts): a week runs from
 * Monday 00:00 to the next Monday 00:00, a month from the 1st 00:00 to the next 1st.
 */

export interface Period {
  kind: ReportPeriodName;
  from: Date;
  to: Date;
}

/** The week (Monday to Monday, Asia/Shanghai) that holds `at`. */
export function weekOf(at: Date): Period {
  const day = Math.floor((at.getTime() + CST_OFFSET_MS) / DAY_MS);
  // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
  const monday = day - ((day + 3) % 7);
  const from = new Date(monday * DAY_MS - CST_OFFSET_MS);
  return { kind: 'WEEK', from, to: new Date(from.getTime() + 7 * DAY_MS) };
}

/** The calendar month (Asia/Shanghai) that holds `at`. */
export function monthOf(at: Date): Period {
  const local = cstWallClock(at);
  const [y, m] = [local.getUTCFullYear(), local.getUTCMonth()];
  return { kind: 'MONTH', from: cstMidnight(y, m, 1), to: cstMidnight(y, m + 1, 1) };
}

/** The period of the same length just before. */
export function previousOf(period: Period): { from: Date; to: Date } {
  if (period.kind === 'MONTH') return monthOf(new Date(period.from.getTime() - 1));
  const length = period.to.getTime() - period.from.getTime();
  return { from: new Date(period.from.getTime() - length), to: period.from };
}

/** `2026-11-23` → the instant 00:00 of that day in Asia/Shanghai. */
function cstDate(text: string, field: string): Date {
  const at = cstDayStart(text);
  if (!at) throw new BadUserInputError(`${field} must be a date YYYY-MM-DD`, field);
  return at;
}

export const MAX_PERIOD_DAYS = 366;

/** The period a caller asked for; it must have ended by `now`. */
export function periodOf(input: { kind: ReportPeriodName; date?: string | null; from?: Date | null; to?: Date | null }, now: Date): Period {
  let period: Period;
  if (input.kind === 'CUSTOM') {
    if (!input.from || !input.to) throw new BadUserInputError('a CUSTOM period needs from and to', input.from ? 'to' : 'from');
    if (!(input.from < input.to)) throw new BadUserInputError('from must be before to', 'from');
    if (input.to.getTime() - input.from.getTime() > MAX_PERIOD_DAYS * DAY_MS) throw new BadUserInputError(`a period spans at most ${MAX_PERIOD_DAYS} days`, 'to');
    period = { kind: 'CUSTOM', from: input.from, to: input.to };
  } else {
    if (!input.date) throw new BadUserInputError(`a ${input.kind} period needs date (any day in it, YYYY-MM-DD)`, 'date');
    const day = cstDate(input.date, 'date');
    period = input.kind === 'WEEK' ? weekOf(day) : monthOf(day);
  }
  if (period.to > now) throw new BadUserInputError('the period has not ended yet: a report is a snapshot of a whole period', 'to');
  return period;
}
