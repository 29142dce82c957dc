import { defineModule } from '../../platform/module.js';
import { deviceSweep } from './watchdog.sweeper.js';

export { sweepSilentDevices, WATCHDOG_SOURCE } from './watchdog.sweeper.js';

export const watchdogModule = defineModule({
  name: 'watchdog',
  // Silent devices go OFFLINE and raise DEVICE_OFFLINE.
  jobs: [deviceSweep],
});
