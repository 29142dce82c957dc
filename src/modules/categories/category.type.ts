import 'reflect-metadata';
import { registerEnumType } from 'type-graphql';
import { enumOf } from '../../platform/graphql/enum.js';
import { EVENT_CATEGORIES, EVENT_CATEGORY_CODES } from './category.catalog.js';

export const EventCategory = enumOf(EVENT_CATEGORY_CODES);
registerEnumType(EventCategory, {
  name: 'EventCategory',
  description: 'What a case or patrol finding is about (GB/T 30428 event classes).',
  valuesConfig: Object.fromEntries(EVENT_CATEGORY_CODES.map((code) => [code, { description: `${EVENT_CATEGORIES[code].no} ${EVENT_CATEGORIES[code].name}` }])),
});
