import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { Tier } from '../units/index.js';
import { PrincipalKind, Role } from '../principals/index.js';
import type { Tier as TierName } from '../../platform/auth/scope.js';
import type { Role as RoleName } from '../../platform/auth/principal.js';

@InputType('UnitRecordInput', {
  description:
    'A unit of the directory. New code: created (ACCEPTED). Known code with another name or parentCode: renamed or moved with its subtree and every record placed in it (UPDATED). The same again: DUPLICATE. successorCode retires the unit into its successor.',
})
export class UnitRecordInput {
  @Field(() => String, { description: 'City and district 6 digits, street 9, community 12, grid 15.' })
  code!: string;

  @Field(() => String, { description: 'Its name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'The unit one tier up; only the root (a city) has none.' })
  parentCode?: string | null;

  @Field(() => Tier, { description: 'Its level in the hierarchy.' })
  tier!: TierName;

  @Field(() => String, { nullable: true, description: 'Retires the unit (a merge): its children and records move to this unit of the same tier.' })
  successorCode?: string | null;
}

@InputType('ImportUnitsInput', { description: 'A batch of units from one source.' })
export class ImportUnitsInput {
  @Field(() => String, { description: 'Your principal name (or name/subsystem): who sent the file, for the audit log.' })
  source!: string;

  @Field(() => [UnitRecordInput], { description: 'At most 1,000; a parent before its children.' })
  records!: UnitRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'Any rejection: nothing is applied and the valid records are SKIPPED.' })
  atomic!: boolean;
}

@InputType('PrincipalRecordInput', {
  description: 'A person or adapter of the directory. New name: created (ACCEPTED); a change: UPDATED; the same again: DUPLICATE.',
})
export class PrincipalRecordInput {
  @Field(() => String, { description: 'What its tokens (or the identity provider claim) name it by.' })
  name!: string;

  @Field(() => PrincipalKind, { description: 'PERSON or ADAPTER.' })
  kind!: 'PERSON' | 'ADAPTER';

  @Field(() => [Role], { description: 'Only roles the importing admin holds itself.' })
  roles!: RoleName[];

  @Field(() => String, { nullable: true, description: 'Where a person works (required for a PERSON).' })
  unitCode?: string | null;

  @Field(() => String, { nullable: true, description: "An adapter's department (code); it must exist." })
  department?: string | null;

  @Field(() => String, { nullable: true, description: 'Defaults to the name.' })
  displayName?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: refused from its next request on, its open connections closed; false: enabled again.' })
  disabled?: boolean | null;
}

@InputType('ImportPrincipalsInput', { description: 'A batch of principals from one source.' })
export class ImportPrincipalsInput {
  @Field(() => String, { description: 'Your principal name (or name/subsystem).' })
  source!: string;

  @Field(() => [PrincipalRecordInput], { description: 'At most 1,000.' })
  records!: PrincipalRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'True: write all records or none.' })
  atomic!: boolean;
}

@InputType('PrincipalFilter', { description: 'Narrows the principals an admin manages.' })
export class PrincipalFilter {
  @Field(() => String, { nullable: true, description: 'Only principals working within this unit.' })
  unitCode?: string | null;

  @Field(() => PrincipalKind, { nullable: true, description: 'Only principals of this kind.' })
  kind?: 'PERSON' | 'ADAPTER' | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only disabled ones; false: only enabled ones.' })
  disabled?: boolean | null;
}

@InputType('DataDomainInput', { description: 'A record kind a department owns; types null means every type of it.' })
export class DataDomainInput {
  @Field(() => String, { description: 'Alert, Device, ResidentRequest, Case, PatrolReport or Report.' })
  kind!: string;

  @Field(() => [String], { nullable: true, description: 'Only these types of the kind (e.g. SMOKE); null: every type.' })
  types?: string[] | null;
}

@InputType('DepartmentRecordInput', {
  description:
    'A department: the data domains its adapters and data officers own within its jurisdiction unit. New code: created (ACCEPTED); another name, jurisdiction or domains: UPDATED; the same again: DUPLICATE.',
})
export class DepartmentRecordInput {
  @Field(() => String, { description: 'a-z, 0-9 and -, e.g. iot-platform.' })
  code!: string;

  @Field(() => String, { description: 'Its name, e.g. 崇川区物联网感知平台; not empty.' })
  name!: string;

  @Field(() => String, { description: 'The unit within which the department owns its domains; it must exist and not be retired.' })
  jurisdictionCode!: string;

  @Field(() => [DataDomainInput], { nullable: true, description: "The record kinds it owns; omitted: a new department owns none, a known one keeps its own." })
  domains?: DataDomainInput[] | null;
}

@InputType('ImportDepartmentsInput', { description: 'A batch of departments from one source.' })
export class ImportDepartmentsInput {
  @Field(() => String, { description: 'Your principal name (or name/subsystem).' })
  source!: string;

  @Field(() => [DepartmentRecordInput], { description: 'At most 1,000.' })
  records!: DepartmentRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'Any rejection: nothing is applied and the valid records are SKIPPED.' })
  atomic!: boolean;
}
