export { grants, type GrantRow } from './grant.table.js';
export { Grant, GrantKind } from './grant.type.js';
export { GrantResolver } from './grant.resolver.js';
export { activeGrantsFor, toAccessGrant, grantFields } from './grant.service.js';
export { defineGrantAdminRules } from './grant.policy.js';
export { GRANTABLE_KINDS, GRANT_KINDS, type GrantKindName, type GrantableKind } from './grant.kinds.js';
