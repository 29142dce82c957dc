import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DeviceStatus, DeviceType } from './device.type.js';
import type { DeviceStatusName, DeviceTypeName } from './device.table.js';

@InputType('DeviceFilter', { description: 'Narrows what the caller may see; it never widens it.' })
export class DeviceFilter {
  @Field(() => String, { nullable: true, description: 'Only devices within this unit (a code of any tier).' })
  unitCode?: string | null;

  @Field(() => [DeviceType], { nullable: true })
  types?: DeviceTypeName[] | null;

  @Field(() => [DeviceStatus], { nullable: true })
  statuses?: DeviceStatusName[] | null;
}
