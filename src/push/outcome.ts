/** What a push did, in this run and over earlier ones (the state file). */
export interface PushSummary {
  source: string;
  /** Records answered in this run, by outcome (rejected counts those refused locally too). */
  records: number;
  accepted: number;
  /** Existing records changed (kinds whose records change: devices, heartbeats). */
  updated: number;
  duplicates: number;
  rejected: number;
  /** Of `rejected`: lines that did not parse or could not be sent as they were. */
  rejectedLocally: number;
  skipped: number;
  /** Items acknowledged in an earlier run and not sent again (--resume). */
  resumedPast: number;
  resumedThroughLine: number;
  /** Every item up to this line is acknowledged (what --resume would skip). */
  acknowledgedThroughLine: number;
  /** Every item of the file is acknowledged. */
  complete: boolean;
  interrupted: boolean;
  elapsedMs: number;
  retries: number;
  rejectsPath: string | undefined;
  statePath: string;
}

/** The counts of one run that the summary reports. */
export type Totals = Pick<PushSummary, 'records' | 'accepted' | 'updated' | 'duplicates' | 'rejected' | 'rejectedLocally' | 'skipped' | 'resumedPast'>;

/** A push that cannot go on; what was acknowledged so far is in the state file. */
export class PushFatalError extends Error {
  override readonly name = 'PushFatalError';
  constructor(
    message: string,
    readonly summary?: PushSummary,
  ) {
    super(message);
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
