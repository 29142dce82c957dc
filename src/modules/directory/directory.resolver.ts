import 'reflect-metadata';
import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { IngestReport } from '../ingest/index.js';
import { ImportDepartmentsInput, ImportPrincipalsInput, ImportUnitsInput, PrincipalFilter } from './directory.input.js';
import { importDepartments } from './directory.departments.js';
import { importUnits } from './directory.units.js';
import { importPrincipals, listPrincipals, toPrincipalKey } from './directory.principals.js';
import { PrincipalConnection } from './directory.type.js';

@Resolver()
export class DirectoryResolver {
  @Mutation(() => IngestReport, {
    description:
      "Admins: up to 1,000 units of the directory within your unit, in order (a parent before its children); one result per record. New: ACCEPTED; a changed name, parent or successor: UPDATED (a move or a retirement takes the unit's subtree and every record placed in it along); the same again: DUPLICATE. A record outside your unit: FORBIDDEN, nothing written.",
  })
  importUnits(@Arg('input', () => ImportUnitsInput, { description: 'The source and its records.' }) input: ImportUnitsInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return importUnits(ctx, input);
  }

  @Mutation(() => IngestReport, {
    description:
      "Admins: up to 1,000 departments (the data domains adapters and data officers belong to) whose jurisdiction lies within your unit; one result per record. New: ACCEPTED; another name, jurisdiction or domains: UPDATED (its members' access follows at once); the same again: DUPLICATE. A jurisdiction outside your unit: FORBIDDEN, nothing written.",
  })
  importDepartments(@Arg('input', () => ImportDepartmentsInput, { description: 'The source and its records.' }) input: ImportDepartmentsInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return importDepartments(ctx, input);
  }

  @Mutation(() => IngestReport, {
    description:
      'Admins: up to 1,000 people and adapters working within your unit; one result per record. New: ACCEPTED; a change: UPDATED; the same again: DUPLICATE. A principal outside your unit or a role you do not hold: FORBIDDEN, nothing written.',
  })
  importPrincipals(@Arg('input', () => ImportPrincipalsInput, { description: 'The source and its records.' }) input: ImportPrincipalsInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return importPrincipals(ctx, input);
  }

  @Query(() => PrincipalConnection, { description: 'Admins: the principals working (or whose department owns data) within your unit, newest first.' })
  async principals(
    @Arg('filter', () => PrincipalFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: PrincipalFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof PrincipalConnection>> {
    return new PrincipalConnection(await listPrincipals(ctx, filter, page), toPrincipalKey);
  }
}
