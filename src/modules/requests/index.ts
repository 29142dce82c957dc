export { residentRequests, REQUEST_CATEGORIES, REQUEST_STATUSES, type ResidentRequestRow, type RequestCategoryName, type RequestStatusName } from './request.table.js';
