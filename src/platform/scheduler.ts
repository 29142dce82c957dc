import type { Config } from '../config.js';
import type { Hub } from './context.js';

/**
 * Terminology
 * - job: work a hub process runs every so many seconds (the SLA sweep, the device-silence
 *   sweep, the weekly reports). Every process sharing a database runs its own jobs: each job
 *   makes sure by itself that its work is done once (row locks, unique keys), not the scheduler.
 * - run: one call of a job's `run`. A job's runs never overlap on a process: a tick that comes
 *   while the last run is still going is skipped.
 */
export interface Job {
  /** What the log calls it: `<name> failed`. */
  readonly name: string;
  /** Seconds between runs on this process, from the config; 0 turns the job off here. */
  every(config: Config): number;
  /** Also run once as soon as the hub has started (to catch up on what it missed while down). */
  readonly atStart?: boolean;
  run(hub: Hub): Promise<unknown>;
}

/** Node timers hold at most 2^31-1 ms (~24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Runs the jobs on this process until the returned function is called; it stops the timers
 * and waits for the runs in progress. A failed run is logged; the next tick runs again.
 */
export function startJobs(hub: Hub, jobs: readonly Job[]): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const starts: NodeJS.Immediate[] = [];
  const running = new Set<Promise<void>>();
  for (const job of jobs) {
    const seconds = job.every(hub.config);
    if (!(seconds > 0)) continue;
    let current: Promise<void> | undefined;
    const tick = () => {
      if (current) return;
      current = job
        .run(hub)
        .then(
          () => undefined,
          (error: unknown) => hub.log.error(`${job.name} failed`, { error: String(error) }),
        )
        .finally(() => {
          running.delete(current as Promise<void>);
          current = undefined;
        });
      running.add(current);
    };
    const timer = setInterval(tick, Math.min(seconds * 1000, MAX_TIMER_MS));
    timer.unref();
    timers.push(timer);
    if (job.atStart) starts.push(setImmediate(tick));
  }
  return async () => {
    for (const timer of timers) clearInterval(timer);
    for (const start of starts) clearImmediate(start);
    await Promise.all(running);
  };
}
