export { sweepSilentDevices, startWatchdog, WATCHDOG_SOURCE, OFFLINE_SEVERITY, type SweepResult } from './watchdog.sweeper.js';
