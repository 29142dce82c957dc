import { defineModule } from '../../platform/module.js';
import { auditLog } from './audit.table.js';
import { AuditResolver } from './audit.resolver.js';
import { defineAuditRules } from './audit.policy.js';
import { auditMetrics } from './audit.metrics.js';
import { auditCheckpointJob } from './audit.checkpoint.js';

export { auditLog, AUDIT_OUTCOMES, type AuditRow, type AuditOutcomeName } from './audit.table.js';
export { appendAudit, audit, actorOf, listAuditLog, type AuditDraft, type AuditActor } from './audit.service.js';
export { GENESIS_HASH, entryHash, canonicalEntry, canonicalJson, type ChainedEntry } from './audit.chain.js';
export { AuditUnavailableError, flushLedger, noteForbidden } from './audit.ledger.js';
export { verifyAuditChain, describeVerdict, VERIFY_PAGE_SIZE, type ChainVerdict } from './audit.verify.js';
export { auditCheckpointJob, checkAgainstCheckpoint, readCheckpoints, signingKeyOf, writeCheckpoint, type Checkpoint, type CheckpointVerdict } from './audit.checkpoint.js';
export { AuditEntry, AuditOutcome } from './audit.type.js';
export { AuditResolver } from './audit.resolver.js';
export { defineAuditRules } from './audit.policy.js';

export const auditModule = defineModule({
  name: 'audit',
  resolvers: [AuditResolver],
  rules: defineAuditRules,
  tables: { auditLog },
  metrics: (hub) => void hub.singles.of(auditMetrics),
  jobs: [auditCheckpointJob],
});
