import { placementOf } from '../platform/db/placement.js';
import { codesOfPath } from '../platform/auth/scope.js';
import type { alerts, SeverityName } from '../modules/alerts/index.js';
import type { NewResidentRequestRow } from '../modules/requests/index.js';
import { ALERT_TYPE_CATEGORY, deadlineFrom, WORKFLOW, type CaseActionName, type CaseStateName, type CaseOriginName } from '../modules/cases/index.js';
import type { caseHistory, cases } from '../modules/cases/index.js';
import type { patrolFindings, patrolReports } from '../modules/patrols/index.js';
import { EVENT_CATEGORY_CODES, type EventCategoryName } from '../modules/categories/index.js';
import { pick, seededRandom, uuidFrom, weighted } from './random.js';
import { KNOWN, type DemoUnit } from './demo-units.js';

/**
 * Demo cases and patrols: every case state with a history that walks the workflow table,
 * some reopened after failed verification, some escalated, some overdue now; patrol reports
 * in 学田's grids (互敬网格's by `hujing.grid`) with findings, some of them opened as cases;
 * cases from some alerts and from the requests that are IN_CASE. A stream of its own: the
 * rows seeded before stay exactly what they were (ids given here to linked alerts and
 * requests come from this stream too).
 */
interface DemoCases {
  cases: (typeof cases.$inferInsert)[];
  history: (typeof caseHistory.$inferInsert)[];
  reports: (typeof patrolReports.$inferInsert)[];
  findings: (typeof patrolFindings.$inferInsert)[];
}

const HOUR = 3_600_000;

/** The actions that lead from nothing to each state, the plain way round the loop. */
const PATHS: Record<CaseStateName, CaseActionName[]> = {
  REPORTED: [],
  REJECTED: ['REJECT'],
  REGISTERED: ['REGISTER'],
  DISPATCHED: ['REGISTER', 'DISPATCH'],
  IN_PROGRESS: ['REGISTER', 'DISPATCH', 'START'],
  RESOLVED: ['REGISTER', 'DISPATCH', 'START', 'RESOLVE'],
  VERIFIED: ['REGISTER', 'DISPATCH', 'START', 'RESOLVE', 'VERIFY'],
  CLOSED: ['REGISTER', 'DISPATCH', 'START', 'RESOLVE', 'VERIFY', 'CLOSE'],
  SUSPENDED: ['REGISTER', 'DISPATCH', 'SUSPEND'],
};

const STATE_WEIGHTS: readonly (readonly [CaseStateName, number])[] = [
  ['REPORTED', 2], ['REJECTED', 1], ['REGISTERED', 2], ['DISPATCHED', 3], ['IN_PROGRESS', 3],
  ['RESOLVED', 2], ['VERIFIED', 1], ['CLOSED', 8], ['SUSPENDED', 1],
];

const NOTES: Partial<Record<CaseActionName, string[]>> = {
  REGISTER: ['符合立案条件，予以立案。', '已核实，立案。'],
  REJECT: ['经核实不属于受理范围，不予立案。', '重复上报，不予立案。'],
  DISPATCH: ['派遣至责任单位处置。', '请网格员现场处置。'],
  START: ['已到达现场，开始处置。'],
  RESOLVE: ['已处置完毕，请核查。', '现场已清理。'],
  VERIFY: ['现场核查通过。'],
  FAIL_VERIFICATION: ['核查未通过：现场仍有问题，重新派遣。'],
  CLOSE: ['处置到位，结案。'],
  SUSPEND: ['需协调多部门，暂时挂账。'],
};

const MANUAL_TITLES: Record<EventCategoryName, string[]> = {
  CITY_APPEARANCE: ['小区门口垃圾堆放', '绿化带杂物堆积'],
  ADVERTISING: ['违规张贴小广告', '占道广告牌'],
  CONSTRUCTION: ['夜间施工噪音扰民', '工地围挡破损'],
  EMERGENCY: ['道路积水', '树木倒伏阻断道路'],
  STREET_ORDER: ['占道经营', '非机动车乱停放'],
  FACILITIES: ['路灯不亮', '窨井盖破损'],
  SAFETY_HAZARD: ['楼道堆物堵塞消防通道', '飞线充电'],
  PUBLIC_SERVICE: ['独居老人需要上门探访', '居民反映供水异常'],
};

const SEVERITY_WEIGHTS: readonly (readonly [SeverityName, number])[] = [['LOW', 2], ['MEDIUM', 5], ['HIGH', 2], ['CRITICAL', 0.5]];

interface Origin {
  kind: CaseOriginName;
  id: string | null;
  unitPath: string;
  title: string;
  category: EventCategoryName;
  severity: SeverityName;
  lat: number | null;
  lng: number | null;
  reporterName: string | null;
  reporterPhone: string | null;
  openedAt: number;
  source?: string;
  externalId?: string;
}

export function demoCases(
  hierarchy: DemoUnit[],
  alertRows: (typeof alerts.$inferInsert)[],
  requestRows: NewResidentRequestRow[],
  options: { now: Date; seed?: number },
): DemoCases {
  const random = seededRandom((options.seed ?? 320613) ^ 0xca5e);
  const now = options.now.getTime();
  const grids = hierarchy.filter((u) => u.tier === 'GRID');
  const xuetianGrids = grids.filter((g) => g.path.includes(`.${KNOWN.xuetian}.`));
  const busyGrids = grids.filter((g) => ['320613006', '320613008', '320613002', '320613005'].some((s) => g.path.includes(`.${s}.`)));
  const origins: Origin[] = [];

  // Patrol reports: two weeks of 学田's grids; 互敬网格 is patrolled by hujing.grid.
  const reports: DemoCases['reports'] = [];
  const findings: (typeof patrolFindings.$inferInsert & { id: string })[] = [];
  for (let i = 0; i < 40; i++) {
    const grid = i % 4 === 0 ? xuetianGrids.find((g) => g.code === KNOWN.hujing)! : pick(random, xuetianGrids);
    const startedAt = now - Math.floor(random() * 14 * 24 * HOUR) - 3 * HOUR;
    const id = uuidFrom(random);
    reports.push({
      id,
      filedBy: grid.code === KNOWN.hujing ? 'hujing.grid' : `网格员${grid.code.slice(-6)}`,
      startedAt: new Date(startedAt),
      endedAt: new Date(startedAt + HOUR + Math.floor(random() * 2 * HOUR)),
      routeNote: `${grid.name}：主干道 → 小区内部 → 沿街商铺`,
      filedAt: new Date(startedAt + 3 * HOUR),
      ...placementOf(grid.path),
    });
    const count = weighted(random, [[0, 2], [1, 3], [2, 2], [3, 1]] as const);
    for (let seq = 1; seq <= count; seq++) {
      const category = pick(random, EVENT_CATEGORY_CODES);
      const finding = {
        id: uuidFrom(random),
        reportId: id,
        seq,
        category,
        description: pick(random, MANUAL_TITLES[category]),
        severity: weighted(random, SEVERITY_WEIGHTS),
        lat: 32.0146 + (random() - 0.5) * 0.02,
        lng: 120.8641 + (random() - 0.5) * 0.02,
        photoUrls: random() < 0.6 ? [`https://example.org/gridhub-demo/patrol-${i + 1}-${seq}.jpg`] : [],
        ...placementOf(grid.path),
      };
      findings.push(finding);
      if (random() < 0.4) {
        origins.push({
          kind: 'PATROL_FINDING', id: finding.id, unitPath: grid.path, title: finding.description, category, severity: finding.severity,
          lat: finding.lat, lng: finding.lng, reporterName: null, reporterPhone: null, openedAt: startedAt + 2 * HOUR,
        });
      }
    }
  }

  // Requests already IN_CASE get their case.
  for (const request of requestRows) {
    if (request.status !== 'IN_CASE') continue;
    request.id = uuidFrom(random);
    origins.push({
      kind: 'RESIDENT_REQUEST', id: request.id, unitPath: request.unitPath, title: [...request.text].slice(0, 40).join(''),
      category: request.category === 'HAZARD' ? 'SAFETY_HAZARD' : request.category === 'COMPLAINT' ? 'CITY_APPEARANCE' : 'PUBLIC_SERVICE',
      severity: 'MEDIUM', lat: request.lat ?? null, lng: request.lng ?? null, reporterName: request.contactName ?? null, reporterPhone: request.contactPhone ?? null,
      openedAt: (request.repliedAt ?? request.submittedAt).getTime(),
    });
  }

  // Cases from alerts (by hand, after the fact), by hand, and 12345 work orders.
  for (let i = 0; i < 60; i++) {
    const alert = alertRows[Math.floor(random() * alertRows.length)]!;
    if (alert.id) continue;
    alert.id = uuidFrom(random);
    origins.push({
      kind: 'ALERT', id: alert.id, unitPath: alert.unitPath, title: `${alert.type} 告警处置`, category: ALERT_TYPE_CATEGORY[alert.type],
      severity: alert.severity, lat: alert.lat ?? null, lng: alert.lng ?? null, reporterName: null, reporterPhone: null,
      openedAt: alert.occurredAt.getTime() + 30 * 60_000,
    });
  }
  for (let i = 0; i < 60; i++) {
    const grid = random() < 0.25 ? grids.find((g) => g.code === KNOWN.hujing)! : pick(random, busyGrids);
    const category = pick(random, EVENT_CATEGORY_CODES);
    const external = random() < 0.4;
    origins.push({
      kind: external ? 'EXTERNAL' : 'MANUAL', id: null, unitPath: random() < 0.3 ? codesOfPath(grid.path).slice(0, 4).join('.') : grid.path,
      title: pick(random, MANUAL_TITLES[category]), category, severity: weighted(random, SEVERITY_WEIGHTS), lat: null, lng: null,
      reporterName: external ? pick(random, ['张三', '李四', '王五', '赵六']) : null,
      reporterPhone: external ? `1380000${String(Math.floor(random() * 10_000)).padStart(4, '0')}` : null,
      openedAt: now - Math.floor(random() * 30 * 24 * HOUR),
      ...(external ? { source: '12345-hotline', externalId: `12345-DEMO-${String(i + 1).padStart(5, '0')}` } : {}),
    });
  }

  origins.sort((a, b) => a.openedAt - b.openedAt);
  const caseRows: DemoCases['cases'] = [];
  const history: DemoCases['history'] = [];
  origins.forEach((origin, index) => {
    const id = uuidFrom(random);
    const openedAt = Math.min(origin.openedAt, now - HOUR);
    let state: CaseStateName = origin.kind === 'RESIDENT_REQUEST' ? weighted(random, STATE_WEIGHTS.filter(([s]) => s !== 'REPORTED' && s !== 'REJECTED')) : weighted(random, STATE_WEIGHTS);
    const actions: CaseActionName[] = [...PATHS[state]];
    // Some go round again after a failed verification; some climb a tier for being overdue.
    if (actions.includes('RESOLVE') && random() < 0.2) actions.splice(actions.indexOf('RESOLVE') + 1, 0, 'FAIL_VERIFICATION', 'START', 'RESOLVE');
    if (['REGISTERED', 'DISPATCHED', 'IN_PROGRESS'].includes(state) && random() < 0.35) actions.push('ESCALATE');
    const officer = origin.unitPath.includes(`.${KNOWN.xuetian}`) ? 'xuetian.officer' : origin.unitPath.includes(`.${KNOWN.wenfeng}`) ? 'wenfeng.officer' : 'chongchuan.officer';
    const openedBy = origin.kind === 'EXTERNAL' ? '12345-hotline' : origin.kind === 'PATROL_FINDING' && origin.unitPath.endsWith(KNOWN.hujing) ? 'hujing.grid' : officer;
    let assigneePath = origin.unitPath;
    let at = openedAt;
    let version = 1;
    let reopens = 0;
    let escalations = 0;
    let deadline = deadlineFrom(new Date(at), origin.category, origin.severity).getTime();
    let current: CaseStateName = 'REPORTED';
    let suspendedFrom: CaseStateName | null = null;
    history.push({ caseId: id, seq: 1, actor: openedBy, actorUnitCode: null, at: new Date(at), action: 'OPEN', fromState: null, toState: 'REPORTED', note: null, assigneeBefore: null, assigneeAfter: codesOfPath(assigneePath).at(-1)! });
    for (const action of actions) {
      // The last steps of an open case are recent; the clock may have run out since.
      const gap = action === 'ESCALATE' ? Math.max(deadline - at, 0) + 60_000 : (1 + random() * 10) * HOUR;
      if (at + gap > now - 60_000) break;
      at += gap;
      const before = assigneePath;
      if (action === 'DISPATCH') assigneePath = codesOfPath(origin.unitPath).length === 5 ? origin.unitPath : `${origin.unitPath}`;
      if (action === 'ESCALATE') {
        const codes = codesOfPath(assigneePath);
        if (codes.length <= 2) break;
        assigneePath = codes.slice(0, -1).join('.');
        escalations++;
      }
      const step = WORKFLOW[action];
      const to: CaseStateName = action === 'ESCALATE' ? current : action === 'RESUME' ? (suspendedFrom ?? 'REGISTERED') : (step.to as CaseStateName);
      if (action === 'SUSPEND') suspendedFrom = current;
      if (step.reopens) reopens++;
      if (step.renewsDeadline) deadline = deadlineFrom(new Date(at), origin.category, origin.severity).getTime();
      version++;
      history.push({
        caseId: id, seq: version, actor: action === 'ESCALATE' ? 'system' : action === 'START' || action === 'RESOLVE' ? (origin.unitPath.endsWith(KNOWN.hujing) ? 'hujing.grid' : officer) : officer,
        actorUnitCode: null, at: new Date(at), action, fromState: current, toState: to, note: action === 'ESCALATE' ? `overdue since ${new Date(deadline).toISOString()}` : pick(random, NOTES[action] ?? ['']),
        assigneeBefore: codesOfPath(before).at(-1)!, assigneeAfter: codesOfPath(assigneePath).at(-1)!,
      });
      current = to;
    }
    state = current;
    const placement = placementOf(origin.unitPath);
    const year = new Date(openedAt + 8 * HOUR).getUTCFullYear();
    caseRows.push({
      id,
      number: `${placement.districtCode ?? placement.cityCode}-${year}-${String(index + 1).padStart(6, '0')}`,
      title: origin.title,
      description: '',
      category: origin.category,
      severity: origin.severity,
      state,
      suspendedFrom: state === 'SUSPENDED' ? suspendedFrom : null,
      version,
      originKind: origin.kind,
      originId: origin.id,
      assigneeCode: codesOfPath(assigneePath).at(-1)!,
      assigneePath,
      lat: origin.lat,
      lng: origin.lng,
      reporterName: origin.reporterName,
      reporterPhone: origin.reporterPhone,
      openedAt: new Date(openedAt),
      openedBy,
      deadlineAt: new Date(deadline),
      closedAt: state === 'CLOSED' || state === 'REJECTED' ? new Date(at) : null,
      updatedAt: new Date(at),
      source: origin.source ?? null,
      externalId: origin.externalId ?? null,
      reopenCount: reopens,
      escalationCount: escalations,
      satisfaction: state === 'CLOSED' && origin.kind === 'RESIDENT_REQUEST' ? 3 + Math.floor(random() * 3) : null,
      ...placement,
    });
    if (origin.kind === 'PATROL_FINDING') {
      const finding = findings.find((f) => f.id === origin.id);
      if (finding) finding.caseId = id;
    }
  });
  return { cases: caseRows, history, reports, findings };
}
