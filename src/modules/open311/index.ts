import { defineModule } from '../../platform/module.js';

export { open311Router, type Open311Options } from './open311.router.js';
export { open311Time } from './open311.service.js';
export { Open311Error } from './open311.error.js';
export { SERVICES, STATUS_NOTES, REQUEST_KEYS, MAX_RESULTS, MAX_WINDOW_DAYS, type Open311Request, type Open311Service, type Open311Created, type Open311Fault } from './open311.types.js';

/** The Open311 GeoReport v2 facade over resident requests; the server mounts its router at /open311/v2. */
export const open311Module = defineModule({ name: 'open311' });
