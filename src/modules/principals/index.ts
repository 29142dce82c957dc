export { principals, departments, type PrincipalRow, type DepartmentRow } from './principal.table.js';
export { Me, Department, Role } from './principal.type.js';
export { PrincipalResolver } from './principal.resolver.js';
export { loadPrincipal, setPrincipalDisabled } from './principal.service.js';
