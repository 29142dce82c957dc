import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';

@InputType('CreateApiKeyInput', { description: 'A new API key for an adapter.' })
export class CreateApiKeyInput {
  @Field(() => String, { description: 'The adapter (principal name, e.g. iot-platform) the key will authenticate as.' })
  adapter!: string;

  @Field(() => String, { nullable: true, description: 'What the key is for (at most 200 characters), e.g. "gateway-7, machine room B".' })
  label?: string | null;
}
