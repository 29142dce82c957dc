import { defineModule } from '../../platform/module.js';

export { open311Router } from './open311.router.js';
export { SERVICES } from './open311.types.js';

/** The Open311 GeoReport v2 facade over resident requests; the server mounts its router at /open311/v2. */
export const open311Module = defineModule({ name: 'open311' });
