import type { HubModule } from './platform/module.js';
import { MODULES, type ModuleTables } from './modules/index.js';

/**
 * Every table of the modules, by name, for code that spans modules (tests). drizzle-kit reads
 * the `*.table.ts` files themselves (drizzle.config.ts).
 */
export const tables = Object.assign({}, ...MODULES.map((module: HubModule) => module.tables ?? {})) as ModuleTables;
