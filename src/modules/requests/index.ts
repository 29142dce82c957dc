export {
  residentRequests,
  REQUEST_CATEGORIES,
  REQUEST_STATUSES,
  type ResidentRequestRow,
  type NewResidentRequestRow,
  type RequestCategoryName,
  type RequestStatusName,
} from './request.table.js';
export { ResidentRequest, RequestCategory, RequestStatus } from './request.type.js';
export { ResidentRequestResolver } from './request.resolver.js';
export { defineRequestRules, RESIDENT_REQUEST_PERSONAL_FIELDS, RESIDENT_REQUEST_MASKS, type RequestPersonalField } from './request.policy.js';
export {
  newTrackingCode,
  toResidentRequest,
  TRACKING_ALPHABET,
  TRACKING_CODE_LENGTH,
  requestFields,
  submitResidentRequest,
  trackResidentRequest,
  listResidentRequests,
  submissionProblems,
  normalizeTrackingCode,
  personalField,
  subjectOf,
  type InputProblem,
} from './request.service.js';
export { REQUEST_LIMITS, SubmitResidentRequestInput } from './request.input.js';
export { PublicUnit, SubmittedRequest, TrackedRequest } from './request.type.js';
