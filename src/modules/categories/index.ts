import { defineModule } from '../../platform/module.js';

export { EVENT_CATEGORIES, EVENT_CATEGORY_CODES, type EventCategoryName } from './category.catalog.js';
export { EventCategory } from './category.type.js';

/** The event categories: a vocabulary (and its GraphQL enum) that cases, patrols and grants share. */
export const categoriesModule = defineModule({ name: 'categories' });
