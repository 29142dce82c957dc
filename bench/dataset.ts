/**
 * What `npm run bench:data` builds and `npm run bench:query` relies on: the database, the
 * fixed time window (so that every run makes the same rows), and the sizes.
 */
export const DEFAULT_BENCH_URL = 'postgres://postgres@127.0.0.1:5432/gridhub_bench';

export function benchDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['DATABASE_URL'] || DEFAULT_BENCH_URL;
}

/** The alerts span the 365 days before this instant (midnight in Nantong, UTC+8). */
export const DATASET_END = new Date('2026-11-01T00:00:00+08:00');
export const DATASET_DAYS = 365;

export const SIZES = {
  communities: 200,
  gridsPerCommunity: 10,
  devices: 50_000,
  alerts: 1_000_000,
  /** About one resident request for every ten alerts, through the communities' QR channels. */
  residentRequests: 100_000,
  /** Cases opened by hand, beside those from alerts (a tenth of what the alert rules match) and from requests IN_CASE. */
  manualCases: 15_000,
} as const;

/** Q3's window: the last 30 days of the dataset. */
export const Q3_FROM = new Date(DATASET_END.getTime() - 30 * 86_400_000);
export const Q3_TO = DATASET_END;
