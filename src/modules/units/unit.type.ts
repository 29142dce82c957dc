import 'reflect-metadata';
import { enumOf } from '../../platform/graphql/enum.js';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { Node } from '../../platform/graphql/node.js';
import { TIERS, type Tier as TierName } from '../../platform/auth/scope.js';

export const Tier = enumOf(TIERS);
registerEnumType(Tier, {
  name: 'Tier',
  description: 'Level of the hierarchy: 市 CITY, 区 DISTRICT, 街道 STREET, 社区 COMMUNITY, 网格 GRID.',
  valuesConfig: {
    CITY: { description: '市: a city, the top of the hierarchy.' },
    DISTRICT: { description: '区: a district of a city.' },
    STREET: { description: '街道: a street (subdistrict) office of a district.' },
    COMMUNITY: { description: '社区: a residents\' community of a street.' },
    GRID: { description: '网格: a grid of a community, walked by its grid workers.' },
  },
});

@ObjectType('Unit', { implements: Node, description: 'A unit of the administrative hierarchy (市/区/街道/社区/网格).', simpleResolvers: true })
export class Unit {
  @Field(() => ID, { description: 'Same as code.' })
  id!: string;

  @Field(() => String, { description: 'GB/T 2260 or 12-digit statistical code; grids add three digits.' })
  code!: string;

  @Field(() => String, { description: 'Its name, e.g. 曙光社区.' })
  name!: string;

  @Field(() => Tier, { description: 'Its level in the hierarchy.' })
  tier!: TierName;

  @Field(() => String, { description: 'Dot-joined codes from the city down to this unit.' })
  path!: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the unit was retired (merged into its successor); null while it is in use.' })
  retiredAt!: Date | null;

  parentCode!: string | null;
  successorCode!: string | null;
}
