export { grants, type GrantRow } from './grant.table.js';
export { activeGrantsFor, toAccessGrant } from './grant.service.js';
