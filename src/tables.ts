/** Every table, for drizzle-kit and for code that spans modules (seed, tests). */
export { units } from './modules/units/index.js';
export { principals, departments } from './modules/principals/index.js';
export { devices } from './modules/devices/index.js';
export { alerts } from './modules/alerts/index.js';
