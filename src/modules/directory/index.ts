import { defineModule } from '../../platform/module.js';
import { DirectoryResolver } from './directory.resolver.js';
import { defineDirectoryRules } from './directory.policy.js';
import { principalsPush, unitsPush } from './directory.push.js';
import { finishMoves } from './directory.rehome.js';

export { importUnits, CODE_LENGTH } from './directory.units.js';
export { importPrincipals, listPrincipals } from './directory.principals.js';
export { rehome, finishMoves, REHOME_BATCH } from './directory.rehome.js';
export { DirectoryResolver } from './directory.resolver.js';

/**
 * A city's own directory: its units (created, renamed, moved, retired, and the records that
 * follow them) and its principals, managed by its admins through batch imports.
 */
export const directoryModule = defineModule({
  name: 'directory',
  resolvers: [DirectoryResolver],
  rules: defineDirectoryRules,
  push: [unitsPush, principalsPush],
  jobs: [finishMoves],
});
