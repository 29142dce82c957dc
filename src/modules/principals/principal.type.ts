import 'reflect-metadata';
import { enumOf } from '../../platform/graphql/enum.js';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PRINCIPAL_KINDS, ROLES, type PrincipalKind as KindName, type Role as RoleName } from '../../platform/auth/principal.js';
import { Unit } from '../units/index.js';

export const Role = enumOf(ROLES);
registerEnumType(Role, {
  name: 'Role',
  description: 'What a principal does at its unit; several roles give their union.',
  valuesConfig: {
    OFFICER: { description: 'Staff who handle alerts, cases and resident requests within the unit.' },
    ADMIN: { description: 'Manages the directory, channels, API keys and grants within the unit, and may do what an officer does.' },
    GRID_WORKER: { description: '网格员: patrols a grid, files reports and opens cases there.' },
    DATA_OFFICER: { description: "Reads the records of its department's data domains." },
    AUDITOR: { description: 'Reads the audit log and the grants within the unit.' },
    ADAPTER: { description: 'A system that pushes records through the ingest mutations.' },
  },
});

export const PrincipalKind = enumOf(PRINCIPAL_KINDS);
registerEnumType(PrincipalKind, {
  name: 'PrincipalKind',
  description: 'Who is calling, by how they signed in.',
  valuesConfig: {
    PERSON: { description: 'Staff, with a signed-in token.' },
    ADAPTER: { description: 'A system, with an API key.' },
    RESIDENT: { description: 'A resident, with a channel token.' },
    ANONYMOUS: { description: 'No credentials.' },
  },
});

@ObjectType('DataDomain', { description: 'A record kind a department owns; types null means every type of it.' })
export class DataDomainType {
  @Field(() => String, { description: 'The record kind (a GrantKind value).' })
  kind!: string;

  @Field(() => [String], { nullable: true, description: 'The types of it owned; null: all.' })
  types!: string[] | null;
}

@ObjectType('Department', { description: 'A body that owns data domains within its jurisdiction unit.' })
export class Department {
  @Field(() => String, { description: 'Its code.' })
  code!: string;

  @Field(() => String, { description: 'Its name.' })
  name!: string;

  @Field(() => Unit, { description: 'The unit within which the department owns its domains.' })
  jurisdiction!: Unit;

  @Field(() => [DataDomainType], { description: 'The record kinds it owns.' })
  domains!: DataDomainType[];
}

@ObjectType('Me', { description: 'The caller as the hub sees it.' })
export class Me {
  @Field(() => String, { description: 'Your name in the directory: the principal your credentials stand for.' })
  name!: string;

  @Field(() => String, { description: 'Your name as shown to others.' })
  displayName!: string;

  @Field(() => PrincipalKind, { description: 'How you signed in.' })
  kind!: KindName;

  @Field(() => [Role], { description: 'Your roles at your unit.' })
  roles!: RoleName[];

  @Field(() => Unit, { nullable: true, description: 'Where a person works; null for adapters.' })
  unit!: Unit | null;

  @Field(() => Department, { nullable: true, description: 'Your department, when you belong to one.' })
  department!: Department | null;

  @Field(() => Int, { nullable: true, description: 'When the credential expires, in seconds since the epoch.' })
  expiresAt!: number | null;
}
