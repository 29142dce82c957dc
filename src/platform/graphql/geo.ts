import 'reflect-metadata';
import { Field, Float, InputType } from 'type-graphql';
import { MAX_RADIUS_METERS } from '../db/geo.js';

@InputType('GeoPointInput', { description: 'A WGS-84 latitude and longitude.' })
export class GeoPointInput {
  @Field(() => Float, { description: 'Latitude, -90..90.' })
  lat!: number;

  @Field(() => Float, { description: 'Longitude, -180..180.' })
  lng!: number;
}

@InputType('BoundingBoxInput', { description: 'A latitude/longitude rectangle (WGS-84), edges included. minLng > maxLng: the box crosses 180°.' })
export class BoundingBoxInput {
  @Field(() => Float, { description: '-90..90' })
  minLat!: number;

  @Field(() => Float, { description: '-180..180' })
  minLng!: number;

  @Field(() => Float, { description: '-90..90, not below minLat' })
  maxLat!: number;

  @Field(() => Float, { description: '-180..180' })
  maxLng!: number;
}

@InputType('NearInput', { description: 'Within radiusMeters (great-circle distance) of a point (WGS-84).' })
export class NearInput {
  @Field(() => Float, { description: '-90..90' })
  lat!: number;

  @Field(() => Float, { description: '-180..180' })
  lng!: number;

  @Field(() => Float, { description: `Greater than 0, at most ${MAX_RADIUS_METERS}.` })
  radiusMeters!: number;
}
