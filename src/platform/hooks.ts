/**
 * Every hook point (platform/module.ts), by name, with the type of what a module gives there.
 * Empty here: the module that owns a point adds it, beside its own code:
 *
 *     declare module '../../platform/hooks.js' {
 *       interface Hooks { alertsInserted: AlertsInsertedHook }
 *     }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Hooks {}
