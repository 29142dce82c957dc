export { EVENT_CATEGORIES, EVENT_CATEGORY_CODES, type EventCategoryName } from './category.catalog.js';
export { EventCategory } from './category.type.js';
