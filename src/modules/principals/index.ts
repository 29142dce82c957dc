import { defineModule } from '../../platform/module.js';
import { principals, departments } from './principal.table.js';
import { PrincipalResolver } from './principal.resolver.js';

export { principals, departments, type PrincipalRow, type DepartmentRow } from './principal.table.js';
export { Me, Department, Role, PrincipalKind } from './principal.type.js';
export { PrincipalResolver } from './principal.resolver.js';
export { loadPrincipal, setPrincipalDisabled } from './principal.service.js';
export { bootstrapCity, type BootstrapInput, type BootstrapOutcome } from './principal.bootstrap.js';

export const principalsModule = defineModule({
  name: 'principals',
  resolvers: [PrincipalResolver],
  tables: { principals, departments },
});
