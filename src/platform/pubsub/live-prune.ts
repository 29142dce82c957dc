import type { Job } from '../scheduler.js';
import { pruneLog } from './live-log.js';

/** Hourly, on every process (and at start): the live log keeps LIVE_REPLAY_DAYS of events. */
export const liveLogPrune: Job = {
  name: 'live log prune',
  every: () => 3600,
  atStart: true,
  run: (hub) => pruneLog(hub.database.db, hub.config.liveReplayDays),
};
