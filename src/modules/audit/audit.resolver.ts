import 'reflect-metadata';
import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { AuditEntry, AuditEntryConnection } from './audit.type.js';
import { AuditLogFilter } from './audit.input.js';
import { listAuditLog, toAuditKey } from './audit.service.js';

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: 'Auditors: the audit log of actors within your unit, newest first.' })
  async auditLog(
    @Arg('filter', () => AuditLogFilter, { nullable: true, description: 'Narrows the log; never widens your scope.' }) filter: AuditLogFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof AuditEntryConnection>> {
    return new AuditEntryConnection(await listAuditLog(ctx, filter, page), toAuditKey);
  }
}
