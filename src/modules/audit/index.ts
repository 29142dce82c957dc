export { auditLog, AUDIT_OUTCOMES, type AuditRow, type AuditOutcomeName } from './audit.table.js';
export { appendAudit, audit, actorOf, type AuditDraft, type AuditActor } from './audit.service.js';
export { GENESIS_HASH, entryHash, canonicalEntry, canonicalJson, type ChainedEntry } from './audit.chain.js';
