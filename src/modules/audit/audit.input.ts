import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { AuditOutcome } from './audit.type.js';
import type { AuditOutcomeName } from './audit.table.js';

@InputType('AuditLogFilter', { description: 'Narrows the entries an auditor may read; it never widens them.' })
export class AuditLogFilter {
  @Field(() => DateTimeResolver, { nullable: true, description: 'at or after this time.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'before this time.' })
  to?: Date | null;

  @Field(() => String, { nullable: true, description: "A principal's name." })
  actor?: string | null;

  @Field(() => String, { nullable: true, description: 'Only entries of this operation (a query or mutation name).' })
  operation?: string | null;

  @Field(() => AuditOutcome, { nullable: true, description: 'Only entries with this outcome.' })
  outcome?: AuditOutcomeName | null;

  @Field(() => String, { nullable: true, description: 'A record kind (Alert, Device, …).' })
  kind?: string | null;

  @Field(() => String, { nullable: true, description: 'Only entries of actors working within this unit (a code of any tier).' })
  unitCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Only entries about this record (its id, as in recordIds).' })
  recordId?: string | null;
}
