import { createHash } from 'node:crypto';
import { count, sql } from 'drizzle-orm';
import type { Db, Executor } from '../platform/db/database.js';
import { placementOf } from '../platform/db/placement.js';
import type { DataDomain, Role } from '../platform/auth/principal.js';
import { units } from '../modules/units/index.js';
import { principals, departments } from '../modules/principals/index.js';
import { devices, HEARTBEAT_INTERVAL_SECONDS, type DeviceStatusName, type DeviceTypeName } from '../modules/devices/index.js';
import { alerts, type AlertTypeName, type SeverityName } from '../modules/alerts/index.js';
import { channels, channelTokenHash, CHANNEL_TOKEN_PREFIX } from '../modules/channels/index.js';
import { residentRequests, newTrackingCode, type NewResidentRequestRow, type RequestCategoryName, type RequestStatusName } from '../modules/requests/index.js';
import { computeFigures, lastWeek, reports } from '../modules/reports/index.js';
import { demoUnits, KNOWN, type DemoUnit } from './demo-units.js';
import { DEMO_DEVICE_MARK } from './demo-heartbeats.js';
import { pick, seededRandom, uuidFrom, weighted } from './random.js';
import { demoCases } from './demo-cases.js';
import { caseHistory, cases } from '../modules/cases/index.js';
import { patrolFindings, patrolReports } from '../modules/patrols/index.js';

export { seededRandom };

/**
 * Demo data for Nantong/Chongchuan: the hierarchy, two departments, the fixed demo
 * principals, devices in every community, a few thousand alerts over the 30 days before
 * `now`, and resident channels of three 学田 communities with 30 requests over the same days.
 * Deterministic: the same seed and `now` give the same rows.
 */

export const FIRE_ALERT_TYPES: AlertTypeName[] = ['SMOKE', 'HYDRANT_PRESSURE_LOW', 'EBIKE_IN_ELEVATOR', 'FIRE_PASSAGE_BLOCKED'];
export const FIRE_DEVICE_TYPES: DeviceTypeName[] = ['SMOKE_DETECTOR', 'FIRE_HYDRANT', 'ELEVATOR_EBIKE_BLOCKER'];

export const DEMO_DEPARTMENTS: { code: string; name: string; jurisdictionCode: string; domains: DataDomain[] }[] = [
  {
    code: 'iot-platform',
    name: '崇川区物联网感知平台',
    jurisdictionCode: KNOWN.chongchuan,
    domains: [
      { kind: 'Alert', types: null },
      { kind: 'Device', types: null },
    ],
  },
  {
    code: 'fire-brigade',
    name: '崇川区消防救援大队',
    jurisdictionCode: KNOWN.chongchuan,
    domains: [
      { kind: 'Alert', types: FIRE_ALERT_TYPES },
      { kind: 'Device', types: FIRE_DEVICE_TYPES },
    ],
  },
  {
    code: '12345-hotline',
    name: '崇川区12345政务服务便民热线',
    jurisdictionCode: KNOWN.chongchuan,
    domains: [
      { kind: 'ResidentRequest', types: null },
      { kind: 'Case', types: null },
    ],
  },
  {
    code: 'grid-app',
    name: '崇川区网格化社会治理平台',
    jurisdictionCode: KNOWN.chongchuan,
    domains: [{ kind: 'PatrolReport', types: null }],
  },
];

export interface DemoPrincipal {
  name: string;
  displayName: string;
  kind: 'PERSON' | 'ADAPTER';
  roles: Role[];
  unitCode: string | null;
  departmentCode: string | null;
}

export const DEMO_PRINCIPALS: DemoPrincipal[] = [
  { name: 'city.admin', displayName: '南通市社会治理现代化指挥中心管理员', kind: 'PERSON', roles: ['ADMIN', 'OFFICER'], unitCode: KNOWN.nantong, departmentCode: null },
  { name: 'chongchuan.officer', displayName: '崇川区指挥中心值班员', kind: 'PERSON', roles: ['OFFICER'], unitCode: KNOWN.chongchuan, departmentCode: null },
  { name: 'xuetian.officer', displayName: '学田街道指挥中心值班员', kind: 'PERSON', roles: ['OFFICER'], unitCode: KNOWN.xuetian, departmentCode: null },
  { name: 'wenfeng.officer', displayName: '文峰街道指挥中心值班员', kind: 'PERSON', roles: ['OFFICER'], unitCode: KNOWN.wenfeng, departmentCode: null },
  { name: 'shuguang.officer', displayName: '曙光社区工作人员', kind: 'PERSON', roles: ['OFFICER'], unitCode: KNOWN.shuguang, departmentCode: null },
  { name: 'hujing.grid', displayName: '互敬网格网格员', kind: 'PERSON', roles: ['GRID_WORKER'], unitCode: KNOWN.hujing, departmentCode: null },
  { name: 'fire.officer', displayName: '消防救援大队数据专员', kind: 'PERSON', roles: ['DATA_OFFICER'], unitCode: KNOWN.chongchuan, departmentCode: 'fire-brigade' },
  { name: 'city.auditor', displayName: '市数据审计员', kind: 'PERSON', roles: ['AUDITOR'], unitCode: KNOWN.nantong, departmentCode: null },
  { name: 'iot-platform', displayName: '物联网感知平台接入', kind: 'ADAPTER', roles: ['ADAPTER'], unitCode: null, departmentCode: 'iot-platform' },
  { name: '12345-hotline', displayName: '12345热线工单系统接入', kind: 'ADAPTER', roles: ['ADAPTER'], unitCode: null, departmentCode: '12345-hotline' },
  { name: 'grid-app', displayName: '网格化治理平台巡查接入', kind: 'ADAPTER', roles: ['ADAPTER'], unitCode: null, departmentCode: 'grid-app' },
];

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '朱', '高', '欧阳'];
const GIVEN = ['秀英', '桂兰', '建国', '玉兰', '德明', '淑珍', '国华', '凤英', '志强', '美华'];

/**
 * Illustrative personal data (obviously not real people): an installation address for every
 * device, and for an elderly one-click alarm the person behind it.
 */
function demoPersonalData(random: () => number, communityName: string, type: DeviceTypeName) {
  const building = 1 + Math.floor(random() * 30);
  const address = `南通市崇川区${communityName.replace(/社区$/, '')}新村${building}幢`;
  if (type !== 'ELDERLY_ALARM_BUTTON') return { address };
  const flat = `${1 + Math.floor(random() * 4)}单元${1 + Math.floor(random() * 6)}0${1 + Math.floor(random() * 4)}室`;
  const birth = `19${String(30 + Math.floor(random() * 25))}${String(1 + Math.floor(random() * 12)).padStart(2, '0')}${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
  return {
    address: `${address}${flat}`,
    holderName: `${pick(random, SURNAMES)}${pick(random, GIVEN)}`,
    holderPhone: `139${String(Math.floor(random() * 1e8)).padStart(8, '0')}`,
    holderIdNumber: `320613${birth}${String(Math.floor(random() * 1e4)).padStart(4, '0')}`,
  };
}

/** Device kinds in a compound and how many of each a community typically has. */
const DEVICE_MIX: readonly (readonly [DeviceTypeName, number, string])[] = [
  ['SMOKE_DETECTOR', 4, 'JTY-GD-H361'],
  ['MANHOLE_COVER', 2, 'NB-JG100'],
  ['FIRE_HYDRANT', 1, 'XHS-P10'],
  ['ELEVATOR_EBIKE_BLOCKER', 2, 'TZ-AI-02'],
  ['HIGH_THROW_CAMERA', 1, 'GK-360'],
  ['PARKING_SENSOR', 2, 'DC-M3'],
  ['ELDERLY_ALARM_BUTTON', 2, 'YJ-SOS-5'],
  ['SMART_GARBAGE_ROOM', 1, 'LJF-S8'],
  ['CAMERA', 1, 'DS-2CD3T'],
];

const DEVICE_LABEL: Record<DeviceTypeName, string> = {
  SMOKE_DETECTOR: '独立式烟感',
  MANHOLE_COVER: '智能井盖',
  FIRE_HYDRANT: '消防栓水压监测',
  ELEVATOR_EBIKE_BLOCKER: '电梯梯阻',
  HIGH_THROW_CAMERA: '高空抛物监控',
  PARKING_SENSOR: '地磁车位检测',
  ELDERLY_ALARM_BUTTON: '独居老人一键告警',
  SMART_GARBAGE_ROOM: '智能垃圾房',
  CAMERA: '人车识别抓拍',
};

/** What each device kind raises, with weights. */
const ALERTS_OF: Record<DeviceTypeName, readonly (readonly [AlertTypeName, number])[]> = {
  SMOKE_DETECTOR: [['SMOKE', 1]],
  MANHOLE_COVER: [['MANHOLE_TILT', 1]],
  FIRE_HYDRANT: [['HYDRANT_PRESSURE_LOW', 1]],
  ELEVATOR_EBIKE_BLOCKER: [['EBIKE_IN_ELEVATOR', 1]],
  HIGH_THROW_CAMERA: [['THROWN_FROM_HEIGHT', 1]],
  PARKING_SENSOR: [['PARKING_VIOLATION', 1]],
  ELDERLY_ALARM_BUTTON: [['ELDERLY_ALARM', 1]],
  SMART_GARBAGE_ROOM: [['GARBAGE_ROOM_FULL', 1]],
  CAMERA: [
    ['FIRE_PASSAGE_BLOCKED', 2],
    ['STREET_VENDOR', 3],
  ],
};

/** How often each device kind raises something, relative to the others. */
const ALERT_RATE: Record<DeviceTypeName, number> = {
  SMOKE_DETECTOR: 0.6,
  MANHOLE_COVER: 0.8,
  FIRE_HYDRANT: 0.9,
  ELEVATOR_EBIKE_BLOCKER: 3,
  HIGH_THROW_CAMERA: 0.8,
  PARKING_SENSOR: 2,
  ELDERLY_ALARM_BUTTON: 0.7,
  SMART_GARBAGE_ROOM: 2.5,
  CAMERA: 1.5,
};

const SEVERITY_OF: Record<AlertTypeName, readonly (readonly [SeverityName, number])[]> = {
  SMOKE: [['HIGH', 3], ['CRITICAL', 2], ['MEDIUM', 1]],
  MANHOLE_TILT: [['MEDIUM', 3], ['HIGH', 2]],
  HYDRANT_PRESSURE_LOW: [['MEDIUM', 3], ['HIGH', 1]],
  EBIKE_IN_ELEVATOR: [['MEDIUM', 4], ['HIGH', 1]],
  THROWN_FROM_HEIGHT: [['HIGH', 3], ['CRITICAL', 1]],
  ELDERLY_ALARM: [['CRITICAL', 3], ['HIGH', 1]],
  GARBAGE_ROOM_FULL: [['LOW', 4], ['MEDIUM', 1]],
  PARKING_VIOLATION: [['LOW', 3], ['MEDIUM', 1]],
  FIRE_PASSAGE_BLOCKED: [['HIGH', 2], ['MEDIUM', 2]],
  STREET_VENDOR: [['LOW', 3], ['MEDIUM', 1]],
  DEVICE_OFFLINE: [['LOW', 2], ['MEDIUM', 1]],
};

/** Alerts by hour of day: quiet nights, a morning rise and an evening peak (e-bikes go home). */
const HOUR_WEIGHT = [1, 0.6, 0.5, 0.4, 0.4, 0.6, 1.2, 2, 2.6, 2.4, 2.2, 2.2, 2.4, 2.2, 2, 2, 2.2, 2.8, 3.2, 3.4, 3, 2.4, 1.8, 1.3];

/** Busier streets (older, denser compounds) raise more. */
function streetWeight(code: string): number {
  const busy: Record<string, number> = { '320613006': 1.6, '320613008': 1.5, '320613002': 1.3, '320613005': 1.2, '320613010': 0.6, '320613018': 0.6 };
  return busy[code] ?? 1;
}

// Nantong's centre, roughly; communities are spread around it.
const CENTRE = { lat: 32.0146, lng: 120.8641 };

interface SeedOptions {
  now: Date;
  alerts?: number;
  seed?: number;
}

export interface SeedSummary {
  units: number;
  principals: number;
  devices: number;
  alerts: number;
  channels: number;
  residentRequests: number;
  cases: number;
  patrolReports: number;
  reports: number;
}

export async function isEmpty(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(units);
  return Number(row?.n ?? 0) === 0;
}

export async function seedDemo(db: Db, options: SeedOptions): Promise<SeedSummary> {
  const random = seededRandom(options.seed ?? 320613);
  const alertCount = options.alerts ?? 3000;
  const hierarchy = demoUnits();
  const communities = hierarchy.filter((u) => u.tier === 'COMMUNITY');
  const gridsOf = new Map<string, DemoUnit[]>();
  for (const unit of hierarchy) {
    if (unit.tier === 'GRID' && unit.parentCode) gridsOf.set(unit.parentCode, [...(gridsOf.get(unit.parentCode) ?? []), unit]);
  }

  // Personal data comes from its own generator, so the devices and alerts stay what they were.
  const people = seededRandom((options.seed ?? 320613) + 1);
  // Heartbeats too: which devices report a fault, and how long the silent ones have been silent.
  const beats = seededRandom((options.seed ?? 320613) + 2);
  const deviceRows: (typeof devices.$inferInsert & { id: string; communityWeight: number })[] = [];
  // Online and faulty devices were heard from within their interval; silent ones long before.
  const lastHeartbeat = (draw: number, status: DeviceStatusName, interval: number): Date =>
    new Date(options.now.getTime() - (status === 'OFFLINE' ? interval * 3_000 + Math.floor((1 + draw * 47) * 3_600_000) : Math.floor(draw * interval * 1000)));
  for (const community of communities) {
    const origin = { lat: CENTRE.lat + (random() - 0.5) * 0.12, lng: CENTRE.lng + (random() - 0.5) * 0.14 };
    const grids = gridsOf.get(community.code) ?? [];
    let n = 0;
    for (const [type, perCommunity, model] of DEVICE_MIX) {
      for (let i = 0; i < perCommunity; i++) {
        n++;
        const grid = pick(random, grids);
        const id = uuidFrom(random);
        // About 4% silent (OFFLINE: last heard from hours to two days ago), 2% reporting a fault.
        const silent = random() < 0.04;
        const status: DeviceStatusName = silent ? 'OFFLINE' : beats() < 0.02 ? 'FAULT' : 'ONLINE';
        const interval = HEARTBEAT_INTERVAL_SECONDS[type];
        deviceRows.push({
          id,
          source: 'iot-platform',
          externalId: `${community.code}-${type.toLowerCase()}-${String(i + 1).padStart(2, '0')}`,
          type,
          name: `${community.name}${DEVICE_LABEL[type]}${i + 1}号`,
          model,
          departmentCode: FIRE_DEVICE_TYPES.includes(type) ? 'fire-brigade' : 'iot-platform',
          status,
          lat: round6(origin.lat + (random() - 0.5) * 0.004),
          lng: round6(origin.lng + (random() - 0.5) * 0.004),
          heartbeatIntervalSeconds: interval,
          lastHeartbeatAt: lastHeartbeat(random(), status, interval),
          createdAt: new Date(options.now.getTime() - 90 * 86_400_000),
          attributes: { [DEMO_DEVICE_MARK]: true, installedBy: '崇川区物联网感知平台', serial: `SN${community.code.slice(-6)}${String(n).padStart(3, '0')}` },
          ...demoPersonalData(people, community.name, type),
          ...placementOf(grid ? grid.path : community.path),
          communityWeight: streetWeight(community.parentCode ?? ''),
        });
      }
    }
  }

  const deviceWeights = deviceRows.map((d) => [d, ALERT_RATE[d.type] * d.communityWeight] as const);
  const alertRows: (typeof alerts.$inferInsert)[] = [];
  const day = 86_400_000;
  for (let i = 0; i < alertCount; i++) {
    const device = weighted(random, deviceWeights);
    const type: AlertTypeName = random() < 0.02 ? 'DEVICE_OFFLINE' : weighted(random, ALERTS_OF[device.type]);
    const dayOffset = Math.floor(random() * 30);
    const hour = weighted(random, HOUR_WEIGHT.map((w, h) => [h, w] as const));
    const startOfDay = Math.floor((options.now.getTime() - dayOffset * day) / day) * day;
    let occurredAt = startOfDay + hour * 3_600_000 + Math.floor(random() * 3_600_000);
    if (occurredAt > options.now.getTime()) occurredAt -= day;
    const ageHours = (options.now.getTime() - occurredAt) / 3_600_000;
    const status = ageHours < 6 ? weighted(random, [['OPEN', 3], ['ACKNOWLEDGED', 2]] as const) : weighted(random, [['RESOLVED', 8], ['DISMISSED', 1], ['ACKNOWLEDGED', 1]] as const);
    alertRows.push({
      source: 'iot-platform',
      externalId: `demo-alert-${String(i + 1).padStart(6, '0')}`,
      type,
      severity: weighted(random, SEVERITY_OF[type]),
      status,
      occurredAt: new Date(occurredAt),
      receivedAt: new Date(occurredAt + 200 + Math.floor(random() * 2000)),
      deviceId: device.id,
      deviceExternalId: device.externalId,
      lat: device.lat ?? null,
      lng: device.lng ?? null,
      payload: payloadFor(type, random),
      acknowledgedAt: status === 'OPEN' ? null : new Date(occurredAt + 60_000 + Math.floor(random() * 1_800_000)),
      acknowledgedBy: status === 'OPEN' ? null : 'demo',
      ...placementOf(device.unitPath),
    });
  }

  const residents = demoResidentRequests(hierarchy, options);
  const work = demoCases(hierarchy, alertRows, residents.requests, options);
  await db.transaction(async (tx) => {
    await tx.insert(units).values(hierarchy.map(({ code, name, tier, parentCode, path, depth }) => ({ code, name, tier, parentCode, path, depth })));
    await tx.insert(departments).values(DEMO_DEPARTMENTS);
    await tx.insert(principals).values(DEMO_PRINCIPALS);
    for (const chunk of chunks(deviceRows.map(({ communityWeight: _w, ...row }) => row), 500)) await tx.insert(devices).values(chunk);
    for (const chunk of chunks(alertRows, 500)) await tx.insert(alerts).values(chunk);
    await tx.insert(channels).values(residents.channels);
    await tx.insert(residentRequests).values(residents.requests);
    await tx.insert(patrolReports).values(work.reports);
    await tx.insert(patrolFindings).values(work.findings);
    for (const chunk of chunks(work.cases, 500)) await tx.insert(cases).values(chunk);
    for (const chunk of chunks(work.history, 500)) await tx.insert(caseHistory).values(chunk);
    // Numbers given by the hub continue after the demo's.
    await tx.execute(sql`select setval('case_number_seq', ${work.cases.length + 1}, false)`);
    await seedWeeklyReports(tx, options.now);
  });
  return {
    units: hierarchy.length,
    principals: DEMO_PRINCIPALS.length,
    devices: deviceRows.length,
    alerts: alertRows.length,
    channels: residents.channels.length,
    residentRequests: residents.requests.length,
    cases: work.cases.length,
    patrolReports: work.reports.length,
    reports: hierarchy.filter((u) => u.tier === 'STREET').length,
  };
}

/** A report per demo street for the last week ended before `now`, as the weekly run would make it (none twice: the run may be first). */
export async function seedWeeklyReports(tx: Executor, now: Date): Promise<void> {
  const week = lastWeek(now);
  for (const street of demoUnits().filter((u) => u.tier === 'STREET')) {
    const row = { code: street.code, name: street.name, tier: street.tier, parentCode: street.parentCode, path: street.path, depth: street.depth, retiredAt: null, successorCode: null };
    const figures = await computeFigures(tx, row, week);
    await tx.insert(reports).values({ periodKind: week.kind, periodFrom: week.from, periodTo: week.to, generatedAt: now, generatedBy: 'seed', figures, ...placementOf(street.path) }).onConflictDoNothing();
  }
}

/**
 * A demo channel's token, derived from a public string so that the README can show a submit
 * that works on any demo hub. Demo data only: rotate or revoke such a channel before real use.
 */
function demoChannelToken(communityCode: string): string {
  return `${CHANNEL_TOKEN_PREFIX}${createHash('sha256').update(`gridhub demo channel ${communityCode}`).digest('base64url')}`;
}

/** The token of 曙光社区's demo channel (320613006001). */
export const DEMO_CHANNEL_TOKEN = demoChannelToken(KNOWN.shuguang);

/** Communities of 学田 with a demo channel, and how many of the demo requests each gets (weights). */
const DEMO_CHANNEL_COMMUNITIES: readonly (readonly [string, number])[] = [
  [KNOWN.shuguang, 5],
  ['320613006002', 3],
  ['320613006003', 2],
];
const DEMO_REQUESTS = 30;

/** Illustrative texts; contact data below is obviously fake (张三/李四, 1380000xxxx, 示例小区). */
const REQUEST_TEXTS: Record<RequestCategoryName, readonly string[]> = {
  SUGGESTION: [
    '建议在小区东门增设非机动车停放区，晚上电动车停得太乱。',
    '希望社区周末开放活动室，方便老人下棋。',
    '建议在垃圾分类点旁边加一个洗手池。',
    '建议增加楼道照明，晚上回家看不清台阶。',
  ],
  COMPLAINT: [
    '楼下餐馆油烟很大，窗户都不敢开。',
    '晚上九点以后广场舞音乐声音太大，影响孩子休息。',
    '有人长期占用消防通道停车，多次提醒无效。',
    '快递柜旁边的垃圾堆了好几天没人清理。',
  ],
  HELP: [
    '家里老人独居，水管漏水，想请网格员帮忙联系维修。',
    '腿脚不便，想咨询如何办理居家养老服务。',
    '楼上邻居家漏水渗到我家，沟通不了，请社区协调。',
    '想给独居的母亲申请一键告警按钮，请问怎么办理。',
  ],
  HAZARD: [
    '3幢楼道里有人给电动车充电，电线从窗户拖出来。',
    '小区东门井盖松动，踩上去会晃。',
    '12幢二单元楼道堆满杂物，堵住了消防通道。',
    '健身器材的螺丝松了，小孩玩很危险。',
  ],
};
const REPLIES = ['已收到，网格员今天下午上门查看。', '已联系物业处理，请留意后续通知。', '感谢建议，社区将在下次居民议事会上讨论。', '已转城管部门处理，处理结果会及时告知。'];
const FAKE_NAMES = ['张三', '李四', '王五', '赵六', '钱七', '孙八', '周九', '吴十', '欧阳小明', '小红'];

function demoResidentRequests(hierarchy: DemoUnit[], options: SeedOptions): { channels: (typeof channels.$inferInsert)[]; requests: NewResidentRequestRow[] } {
  // A stream of its own: the devices and alerts above stay exactly what they were.
  const random = seededRandom((options.seed ?? 320613) ^ 0x5eed);
  const now = options.now.getTime();
  const hour = 3_600_000;
  const byCode = new Map(hierarchy.map((u) => [u.code, u]));
  const channelRows = DEMO_CHANNEL_COMMUNITIES.map(([code]) => {
    const community = byCode.get(code)!;
    return {
      id: uuidFrom(random),
      communityCode: code,
      name: `${community.name}居民服务码`,
      tokenHash: channelTokenHash(demoChannelToken(code)),
      // Kept, so that `channelQrCode` and `gridhub qr` print the demo posters without a rotation.
      token: demoChannelToken(code),
      createdBy: 'city.admin',
      createdAt: new Date(now - 60 * 24 * hour),
      path: community.path,
      shortName: community.name.replace(/社区$/, ''),
    };
  });
  const channelWeights = channelRows.map((c, i) => [c, DEMO_CHANNEL_COMMUNITIES[i]![1]] as const);
  const requestRows: NewResidentRequestRow[] = [];
  for (let i = 0; i < DEMO_REQUESTS; i++) {
    const channel = weighted(random, channelWeights);
    const category = weighted<RequestCategoryName>(random, [['SUGGESTION', 3], ['COMPLAINT', 3], ['HELP', 2], ['HAZARD', 3]]);
    const submittedAt = now - Math.floor(random() * 30 * 24 * hour);
    const status: RequestStatusName =
      now - submittedAt < 48 * hour ? 'SUBMITTED' : weighted<RequestStatusName>(random, [['SUBMITTED', 2], ['REPLIED', 4], ['IN_CASE', 1], ['CLOSED', 3]]);
    const repliedAt = status === 'SUBMITTED' ? null : submittedAt + hour + Math.floor(random() * 40 * hour);
    const closedAt = status === 'CLOSED' && repliedAt ? repliedAt + Math.floor(random() * 5 * 24 * hour) : null;
    const phone = `1380000${String(Math.floor(random() * 10_000)).padStart(4, '0')}`;
    requestRows.push({
      trackingCode: newTrackingCode((max) => Math.floor(random() * max)),
      channelId: channel.id,
      category,
      text: pick(random, REQUEST_TEXTS[category]),
      photoUrl: random() < 0.25 ? `https://example.org/gridhub-demo/photo-${String(i + 1).padStart(3, '0')}.jpg` : null,
      ...(random() < 0.5 ? { lat: round6(CENTRE.lat + (random() - 0.5) * 0.02), lng: round6(CENTRE.lng + (random() - 0.5) * 0.02) } : {}),
      address:
        random() < 0.75 ? `${channel.shortName}示例小区${1 + Math.floor(random() * 30)}幢${1 + Math.floor(random() * 3)}单元${1 + Math.floor(random() * 6)}0${1 + Math.floor(random() * 4)}室` : null,
      contactName: random() < 0.85 ? pick(random, FAKE_NAMES) : null,
      contactPhone: random() < 0.85 ? phone : null,
      status,
      reply: repliedAt ? (status === 'IN_CASE' ? '已转为案卷处理，请留意进展。' : pick(random, REPLIES)) : null,
      repliedAt: repliedAt ? new Date(Math.min(repliedAt, now)) : null,
      satisfaction: closedAt ? 3 + Math.floor(random() * 3) : null,
      submittedAt: new Date(submittedAt),
      receivedAt: new Date(submittedAt),
      closedAt: closedAt ? new Date(Math.min(closedAt, now)) : null,
      ...placementOf(channel.path),
    });
  }
  return { channels: channelRows.map(({ path: _p, shortName: _s, ...row }) => row), requests: requestRows };
}

function payloadFor(type: AlertTypeName, random: () => number): Record<string, unknown> {
  switch (type) {
    case 'SMOKE':
      return { smokeDensity: Math.round(random() * 40 + 10) / 10, unit: 'dB/m', building: `${1 + Math.floor(random() * 30)}幢` };
    case 'MANHOLE_TILT':
      return { tiltDegrees: Math.round(random() * 40 + 5) };
    case 'HYDRANT_PRESSURE_LOW':
      return { pressureMPa: Math.round((0.05 + random() * 0.1) * 100) / 100, thresholdMPa: 0.15 };
    case 'EBIKE_IN_ELEVATOR':
      return { elevator: `${1 + Math.floor(random() * 30)}幢${1 + Math.floor(random() * 3)}单元`, blocked: true };
    case 'THROWN_FROM_HEIGHT':
      return { estimatedFloor: 3 + Math.floor(random() * 20), clipSeconds: 8 };
    case 'ELDERLY_ALARM':
      return { button: 'SOS', building: `${1 + Math.floor(random() * 30)}幢` };
    case 'GARBAGE_ROOM_FULL':
      return { fillPercent: 85 + Math.floor(random() * 15) };
    case 'PARKING_VIOLATION':
      return { bay: `P${1 + Math.floor(random() * 200)}`, minutes: 10 + Math.floor(random() * 120) };
    case 'FIRE_PASSAGE_BLOCKED':
      return { minutesBlocked: 5 + Math.floor(random() * 60) };
    case 'STREET_VENDOR':
      return { confidence: Math.round((0.7 + random() * 0.3) * 100) / 100 };
    case 'DEVICE_OFFLINE':
      return { silentMinutes: 15 + Math.floor(random() * 600) };
  }
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
