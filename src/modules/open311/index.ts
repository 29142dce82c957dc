export { open311Router, type Open311Options } from './open311.router.js';
export { open311Time } from './open311.service.js';
export { Open311Error } from './open311.error.js';
export { SERVICES, STATUS_NOTES, REQUEST_KEYS, MAX_RESULTS, MAX_WINDOW_DAYS, type Open311Request, type Open311Service, type Open311Created, type Open311Fault } from './open311.types.js';
