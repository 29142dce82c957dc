import type { RequestCategoryName, RequestStatusName } from '../requests/index.js';

/**
 * The wire shapes of Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), JSON only, and the
 * hub's four request categories as its services.
 *
 * Terminology
 * - service: what a resident can send (`service_code` `suggestion`, `complaint`, `help`,
 *   `hazard`: the hub's RequestCategory in lower case).
 * - service request: a resident request; its `service_request_id` is the tracking code.
 * - jurisdiction: a community (`jurisdiction_id` is its 12-digit code). Every community offers
 *   the same services; a channel token (`api_key`) submits to its own community only.
 * - public view / staff view: what a request shows to the holder of its tracking code (what
 *   the status page shows) and to staff whose ability lets them read it.
 */

/** One entry of `GET /services.json`. */
export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  /** Whether `GET /services/{code}.json` has attributes to fill: never here. */
  metadata: boolean;
  /** `realtime`: POST answers the service_request_id at once (no token to poll). */
  type: 'realtime' | 'batch' | 'blackbox';
  /** Comma-separated. */
  keywords: string;
  group: string;
}

/** `GET /services/{code}.json`. */
export interface Open311ServiceDefinition {
  service_code: string;
  attributes: never[];
}

/** One entry of `POST /requests.json`'s answer. */
export interface Open311Created {
  service_request_id: string;
  service_notice: string;
  account_id: null;
}

/** One entry of `GET /requests.json` and `GET /requests/{id}.json`. */
export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  /** The finer state in Chinese (已提交, 已回复, 已立案办理, 已办结) and, after `：`, the community's public reply. */
  status_notes: string;
  service_name: string;
  service_code: string;
  /** The resident's text: staff view only (null in the public view). */
  description: string | null;
  /** The community the request went to. */
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  /** The deadline of the case the request became, while that case is open: staff view only. */
  expected_datetime: string | null;
  /** Personal data: staff view only, masked above the community that owns the request. */
  address: string | null;
  address_id: null;
  zipcode: null;
  /** Staff view only. */
  lat: number | null;
  /** Staff view only. */
  long: number | null;
  /** Staff view only. */
  media_url: string | null;
}

/** An Open311 error: one per problem (per parameter at fault); `code` repeats the HTTP status. */
export interface Open311Fault {
  code: number;
  description: string;
}

export interface ServiceEntry {
  readonly code: string;
  readonly category: RequestCategoryName;
  readonly name: string;
  readonly description: string;
  readonly keywords: string;
  readonly group: string;
  /** What the resident is told when sending one, and with every request of it. */
  readonly notice: string;
}

/** The four services, in the order the submit page shows the categories. */
export const SERVICES: readonly ServiceEntry[] = [
  {
    code: 'suggestion',
    category: 'SUGGESTION',
    name: '建议',
    description: '对社区建设和服务的意见、建议。',
    keywords: '建议,意见,居民议事',
    group: '社区居民服务',
    notice: '社区工作人员会阅读并在平台上答复，请凭受理编号查询进度。',
  },
  {
    code: 'complaint',
    category: 'COMPLAINT',
    name: '投诉',
    description: '影响居民生活的问题：噪声、油烟、占用消防通道、卫生等。',
    keywords: '投诉,噪声,油烟,占道,卫生',
    group: '社区居民服务',
    notice: '社区工作人员会核实情况并答复；需要现场处置的，会立案办理。请凭受理编号查询进度。',
  },
  {
    code: 'help',
    category: 'HELP',
    name: '求助',
    description: '需要社区帮忙：独居老人照护、维修协调、办事咨询等。',
    keywords: '求助,帮助,独居老人,维修,咨询',
    group: '社区居民服务',
    notice: '社区工作人员会尽快答复，留有电话的会与您联系。危及人身安全的紧急情况请拨打110或120。',
  },
  {
    code: 'hazard',
    category: 'HAZARD',
    name: '隐患上报',
    description: '安全隐患：堵塞消防通道、楼道内给电动车充电、井盖松动等。',
    keywords: '隐患,安全,消防通道,电动车充电,井盖',
    group: '社区居民服务',
    notice: '社区会尽快核查处置。正在发生的火情、燃气泄漏等险情请立即拨打119或110，本渠道不能代替报警。',
  },
];

/** The finer state shown in `status_notes`. */
export const STATUS_NOTES: Readonly<Record<RequestStatusName, string>> = {
  SUBMITTED: '已提交',
  REPLIED: '已回复',
  IN_CASE: '已立案办理',
  CLOSED: '已办结',
};

/** Open311's two statuses: CLOSED is `closed`, every other state `open`. */
export const OPEN311_STATUSES = ['open', 'closed'] as const;
export type Open311Status = (typeof OPEN311_STATUSES)[number];

/** Added to the POST answer when the client sent an `email`, which the hub does not keep. */
export const EMAIL_NOT_KEPT = '本平台不保存电子邮箱，也不发送邮件通知。';

/** Requests one `GET /requests.json` answers at most, and the widest date range it accepts. */
export const MAX_RESULTS = 1000;
export const MAX_WINDOW_DAYS = 90;
