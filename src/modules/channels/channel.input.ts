import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';

@InputType('CreateChannelInput', { description: 'A new resident channel of a community.' })
export class CreateChannelInput {
  @Field(() => String, { description: 'The community (12-digit code) whose residents use it.' })
  communityCode!: string;

  @Field(() => String, { description: '1 to 100 characters.' })
  name!: string;
}
