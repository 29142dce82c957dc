import { isUuid } from '../../platform/db/ids.js';
import { getResidentRequest } from './request.service.js';
import { defineModule } from '../../platform/module.js';
import { placedBy } from '../../platform/db/placement.js';
import { requestLive } from './request.live.js';
import { residentRequests, REQUEST_CATEGORIES } from './request.table.js';
import { ResidentRequestResolver } from './request.resolver.js';
import { defineRequestRules, RESIDENT_REQUEST_PERSONAL_FIELDS } from './request.policy.js';
import { requestsPush } from './request.push.js';

export {
  residentRequests,
  REQUEST_CATEGORIES,
  REQUEST_STATUSES,
  type ResidentRequestRow,
  type NewResidentRequestRow,
  type RequestCategoryName,
  type RequestStatusName,
} from './request.table.js';
export { ResidentRequest, RequestCategory } from './request.type.js';
export { REQUEST_LIMITS, SubmitResidentRequestInput } from './request.input.js';
export {
  newTrackingCode,
  toResidentRequest,
  requestFields,
  submitResidentRequest,
  rateResidentRequest,
  residentChannel,
  RATING_LIMITS,
  submissionProblems,
  countSubmission,
  normalizeTrackingCode,
  personalField,
  requestLocation,
  requestReply,
  requestText,
  requestTrackingCode,
  subjectOf,
} from './request.service.js';
export { replyResidentRequest, closeResidentRequest, closeRequestOfCase, DEFAULT_CLOSING_REPLY } from './request.staff.js';
export type { RequestCaseLink } from './request.hooks.js';

declare module '../../platform/pubsub/bus.js' {
  interface Topics {
    /** A resident's request was committed (one per submission). */
    residentRequestSubmitted: { ids: string[] };
  }
}

export const requestsModule = defineModule({
  name: 'requests',
  resolvers: [ResidentRequestResolver],
  rules: defineRequestRules,
  tables: { residentRequests },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { nodeKinds: [{ type: 'ResidentRequest', table: residentRequests, key: residentRequests.id, accepts: isUuid, load: (ctx, id) => getResidentRequest(ctx, id) }], placedRecords: [{ table: residentRequests, id: residentRequests.id, paths: [placedBy(residentRequests, residentRequests.submittedAt)] }] },
  // A request's category is its `type` in the ability.
  grantable: { RESIDENT_REQUEST: { subject: 'ResidentRequest', types: REQUEST_CATEGORIES, personalFields: RESIDENT_REQUEST_PERSONAL_FIELDS } },
  push: [requestsPush],
  live: [requestLive],
});
