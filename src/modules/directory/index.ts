import { defineModule } from '../../platform/module.js';
import { DirectoryResolver } from './directory.resolver.js';
import { defineDirectoryRules } from './directory.policy.js';
import { departmentsPush, principalsPush, unitsPush } from './directory.push.js';
import { finishMoves } from './directory.rehome.js';

export { importUnits, CODE_LENGTH } from './directory.units.js';
export { importDepartments, DOMAIN_KINDS } from './directory.departments.js';
export { importPrincipals, listPrincipals } from './directory.principals.js';
export { rehome, finishMoves, REHOME_BATCH } from './directory.rehome.js';
export { DirectoryResolver } from './directory.resolver.js';

/**
 * A city's own directory: its units (created, renamed, moved, retired, and the records that
 * follow them) its departments (the data domains adapters and data officers belong to) and its principals, managed by its admins through batch imports.
 */
export const directoryModule = defineModule({
  name: 'directory',
  resolvers: [DirectoryResolver],
  rules: defineDirectoryRules,
  push: [unitsPush, departmentsPush, principalsPush],
  jobs: [finishMoves],
});
