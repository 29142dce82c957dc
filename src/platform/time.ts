/**
 * China Standard Time: UTC+8 all year, no daylight saving. The hub's calendar days, weeks,
 * months and years — statistics by day, report periods, case numbers, Open311's times — are
 * in it, whatever the server's own time zone.
 */
export const CST_TIME_ZONE = 'Asia/Shanghai';
export const CST_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

/** The instant as a Date whose UTC fields read China Standard Time's wall clock. */
export function cstWallClock(at: Date): Date {
  return new Date(at.getTime() + CST_OFFSET_MS);
}

/** The instant of 00:00 China Standard Time on the day whose UTC fields are `year`, `month` (from 0) and `day` (overflowing as `Date.UTC` does). */
export function cstMidnight(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month, day) - CST_OFFSET_MS);
}

/** `2026-11-23`: the instant's calendar day. */
export function cstDay(at: Date): string {
  return cstWallClock(at).toISOString().slice(0, 10);
}

/** `2026-11-23` → the instant 00:00 of that day; undefined for anything but a real date written so. */
export function cstDayStart(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const at = cstMidnight(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return !Number.isNaN(at.getTime()) && cstDay(at) === text ? at : undefined;
}

/** `2026-11-28T17:12:05+08:00`: the instant to the second, with its offset. */
export function cstDateTime(at: Date): string {
  return `${cstWallClock(at).toISOString().slice(0, 19)}+08:00`;
}
