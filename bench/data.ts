/**
 * `npm run bench:data [-- --rebuild]`: a city-scale dataset on the Postgres of DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/gridhub_bench), deterministic: the same rows on
 * every machine and every run.
 *
 * - the hierarchy: 南通市, 崇川区, its 16 street offices (real codes and names), 200
 *   communities (12 or 13 a street) and 10 grids a community (2,000); 曙光社区 and 互敬网格
 *   keep their demo codes, so the demo principals sit where the README says;
 * - the two demo departments and the nine demo principals;
 * - 50,000 devices (25 a grid), 1,000,000 alerts over the 365 days before DATASET_END, busier
 *   in the evening and in the older central streets; one QR channel a community and 100,000
 *   resident requests through them; 49,187 cases (from alerts an alert rule matches, from
 *   the requests that went IN_CASE, and by hand) with their history, the recent ones still open.
 *
 * Small tables go in with drizzle, as the demo seed does; devices, alerts and requests are
 * streamed with COPY (indexes dropped for the load and rebuilt after, in the same transaction).
 * A database that already holds the dataset is left alone (one written before the cases gets
 * them added); `--rebuild` drops and recreates it.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import postgres from 'postgres';
import { count } from 'drizzle-orm';
import { applyMigrations, openServer } from '../src/platform/db/database.js';
import { placementOf } from '../src/platform/db/placement.js';
import { units } from '../src/modules/units/index.js';
import { departments, principals } from '../src/modules/principals/index.js';
import { alerts, SEVERITIES, type AlertTypeName, type SeverityName } from '../src/modules/alerts/index.js';
import { ALERT_CASE_RULES, ALERT_TYPE_CATEGORY, ALERT_TYPE_TITLE, cases, deadlineFrom, WORKFLOW, type CaseActionName, type CaseOriginName, type CaseStateName } from '../src/modules/cases/index.js';
import type { EventCategoryName } from '../src/modules/categories/index.js';
import type { DeviceTypeName } from '../src/modules/devices/index.js';
import { DEMO_DEPARTMENTS, DEMO_PRINCIPALS, FIRE_DEVICE_TYPES, seededRandom } from '../src/seed/demo.js';
import { CITY, DISTRICT, STREETS, type DemoUnit } from '../src/seed/demo-units.js';
import { benchDatabaseUrl, DATASET_DAYS, DATASET_END, SIZES } from './dataset.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function weighted<T>(random: Random, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

function uuidFrom(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = (Math.floor(random() * 4) + 8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const CHINESE_NUMBERS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三'];

/** 16 streets, 200 communities (the first eight streets have 13, the others 12), 10 grids each. */
export function benchUnits(): DemoUnit[] {
  const cityPath = CITY.code;
  const districtPath = `${cityPath}.${DISTRICT.code}`;
  const out: DemoUnit[] = [
    { code: CITY.code, name: CITY.name, tier: 'CITY', parentCode: null, path: cityPath, depth: 1 },
    { code: DISTRICT.code, name: DISTRICT.name, tier: 'DISTRICT', parentCode: CITY.code, path: districtPath, depth: 2 },
  ];
  const perStreet = Math.floor(SIZES.communities / STREETS.length);
  const extra = SIZES.communities - perStreet * STREETS.length;
  STREETS.forEach((street, s) => {
    const streetPath = `${districtPath}.${street.code}`;
    out.push({ code: street.code, name: street.name, tier: 'STREET', parentCode: DISTRICT.code, path: streetPath, depth: 3 });
    const streetShort = street.name.replace(/(镇)?街道$/, '');
    for (let c = 0; c < perStreet + (s < extra ? 1 : 0); c++) {
      const code = `${street.code}${String(c + 1).padStart(3, '0')}`;
      const name = street.communities[c] ?? `${streetShort}第${CHINESE_NUMBERS[c] ?? c + 1}社区`;
      const path = `${streetPath}.${code}`;
      out.push({ code, name, tier: 'COMMUNITY', parentCode: street.code, path, depth: 4 });
      for (let g = 0; g < SIZES.gridsPerCommunity; g++) {
        const gridCode = `${code}${String(g + 1).padStart(3, '0')}`;
        const gridName = name === '曙光社区' && g < 3 ? (['互敬网格', '互助网格', '互爱网格'][g] as string) : `第${CHINESE_NUMBERS[g] ?? g + 1}网格`;
        out.push({ code: gridCode, name: gridName, tier: 'GRID', parentCode: code, path: `${path}.${gridCode}`, depth: 5 });
      }
    }
  });
  return out;
}

/** Device kinds and how common each is in a grid; what each raises, and how often. */
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
const HOUR_WEIGHT = [1, 0.6, 0.5, 0.4, 0.4, 0.6, 1.2, 2, 2.6, 2.4, 2.2, 2.2, 2.4, 2.2, 2, 2, 2.2, 2.8, 3.2, 3.4, 3, 2.4, 1.8, 1.3].map((w, h) => [h, w] as const);
const BUSY_STREETS: Record<string, number> = { '320613006': 1.6, '320613008': 1.5, '320613002': 1.3, '320613005': 1.2, '320613010': 0.6, '320613018': 0.6 };
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '朱', '高', '欧阳'];
const GIVEN = ['秀英', '桂兰', '建国', '玉兰', '德明', '淑珍', '国华', '凤英', '志强', '美华'];
const CENTRE = { lat: 32.0146, lng: 120.8641 };

const REQUEST_CATEGORIES = [['SUGGESTION', 3], ['COMPLAINT', 3], ['HELP', 2], ['HAZARD', 2]] as const;
const REQUEST_TEXT: Record<string, string[]> = {
  SUGGESTION: ['建议小区增设电动车充电桩', '建议在楼道口加装照明', '建议增加垃圾分类指导员'],
  COMPLAINT: ['楼下夜间施工噪音扰民', '小区消防通道长期被占用', '垃圾房异味严重'],
  HELP: ['独居老人需要上门助餐', '家中老人行动不便需要代办', '需要开具居住证明'],
  HAZARD: ['井盖松动存在安全隐患', '楼道堆放杂物影响通行', '电线私拉乱接给电动车充电'],
};

/** Text-format COPY: tab-separated, `\N` for null; our values hold no tabs, newlines or backslashes. */
function copyLine(values: readonly (string | number | null)[]): string {
  return `${values.map((v) => (v === null ? '\\N' : String(v))).join('\t')}\n`;
}

async function copyInto(tx: postgres.TransactionSql, table: string, columns: readonly string[], rows: Iterable<string>): Promise<void> {
  const stream = await tx.unsafe(`copy ${table} (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`).writable();
  let buffer = '';
  for (const line of rows) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!stream.write(buffer)) await once(stream, 'drain');
      buffer = '';
    }
  }
  stream.end(buffer);
  await once(stream, 'finish');
}

const PLACEMENT_COLUMNS = ['unit_code', 'unit_path', 'city_code', 'district_code', 'street_code', 'community_code', 'grid_code'] as const;
function placementValues(path: string): (string | null)[] {
  const p = placementOf(path);
  return [p.unitCode, p.unitPath, p.cityCode, p.districtCode, p.streetCode, p.communityCode, p.gridCode];
}

interface BenchDevice {
  id: string;
  externalId: string;
  type: DeviceTypeName;
  lat: number;
  lng: number;
  path: string;
  weight: number;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function* deviceLines(hierarchy: DemoUnit[], random: Random, people: Random, out: BenchDevice[]): Generator<string> {
  const grids = hierarchy.filter((u) => u.tier === 'GRID');
  const perGrid = Math.floor(SIZES.devices / grids.length);
  const byCode = new Map(hierarchy.map((u) => [u.code, u]));
  const createdAt = new Date(DATASET_END.getTime() - (DATASET_DAYS + 30) * DAY).toISOString();
  for (const grid of grids) {
    const community = byCode.get(grid.parentCode ?? '') as DemoUnit;
    const origin = { lat: CENTRE.lat + (random() - 0.5) * 0.12, lng: CENTRE.lng + (random() - 0.5) * 0.14 };
    const seen = new Map<DeviceTypeName, number>();
    for (let i = 0; i < perGrid; i++) {
      const [type, , model] = weighted(random, DEVICE_MIX.map((m) => [m, m[1]] as const));
      const n = (seen.get(type) ?? 0) + 1;
      seen.set(type, n);
      const id = uuidFrom(random);
      const externalId = `${grid.code}-${type.toLowerCase()}-${String(n).padStart(2, '0')}`;
      const lat = round6(origin.lat + (random() - 0.5) * 0.004);
      const lng = round6(origin.lng + (random() - 0.5) * 0.004);
      const address = `南通市崇川区${community.name.replace(/社区$/, '')}新村${1 + Math.floor(people() * 30)}幢`;
      const elderly = type === 'ELDERLY_ALARM_BUTTON';
      const status = random() < 0.04 ? 'OFFLINE' : 'ONLINE';
      out.push({ id, externalId, type, lat, lng, path: grid.path, weight: ALERT_RATE[type] * (BUSY_STREETS[community.parentCode ?? ''] ?? 1) });
      yield copyLine([
        id,
        'iot-platform',
        externalId,
        type,
        `${community.name}${grid.name}${DEVICE_LABEL[type]}${n}号`,
        model,
        FIRE_DEVICE_TYPES.includes(type) ? 'fire-brigade' : 'iot-platform',
        status,
        lat,
        lng,
        type === 'CAMERA' || type === 'HIGH_THROW_CAMERA' ? 60 : 300,
        new Date(DATASET_END.getTime() - Math.floor(random() * 300_000)).toISOString(),
        elderly ? `${address}${1 + Math.floor(people() * 4)}单元${1 + Math.floor(people() * 6)}0${1 + Math.floor(people() * 4)}室` : address,
        elderly ? `${pick(people, SURNAMES)}${pick(people, GIVEN)}` : null,
        elderly ? `139${String(Math.floor(people() * 1e8)).padStart(8, '0')}` : null,
        elderly ? `3206131940${String(1 + Math.floor(people() * 12)).padStart(2, '0')}${String(1 + Math.floor(people() * 28)).padStart(2, '0')}${String(Math.floor(people() * 1e4)).padStart(4, '0')}` : null,
        '{}',
        createdAt,
        ...placementValues(grid.path),
      ]);
    }
  }
}

const DEVICE_COLUMNS = [
  'id', 'source', 'external_id', 'type', 'name', 'model', 'department_code', 'status', 'lat', 'lng', 'heartbeat_interval_seconds',
  'last_heartbeat_at', 'address', 'holder_name', 'holder_phone', 'holder_id_number', 'attributes', 'created_at', ...PLACEMENT_COLUMNS,
];

function payloadFor(type: AlertTypeName, random: Random): string {
  switch (type) {
    case 'SMOKE':
      return `{"smokeDensity": ${Math.round(random() * 40 + 10) / 10}, "unit": "dB/m"}`;
    case 'MANHOLE_TILT':
      return `{"tiltDegrees": ${Math.round(random() * 40 + 5)}}`;
    case 'HYDRANT_PRESSURE_LOW':
      return `{"pressureMPa": ${Math.round((0.05 + random() * 0.1) * 100) / 100}, "thresholdMPa": 0.15}`;
    case 'GARBAGE_ROOM_FULL':
      return `{"fillPercent": ${85 + Math.floor(random() * 15)}}`;
    case 'PARKING_VIOLATION':
      return `{"minutes": ${10 + Math.floor(random() * 120)}}`;
    default:
      return '{}';
  }
}

function* alertLines(devices: BenchDevice[], random: Random, out: CaseOrigin[]): Generator<string> {
  // Cumulative weights and a binary search: a weighted pick among 50,000 devices, a million times.
  const cumulative = new Float64Array(devices.length);
  let total = 0;
  devices.forEach((d, i) => {
    total += d.weight;
    cumulative[i] = total;
  });
  const end = DATASET_END.getTime();
  // Day by day from the oldest, each day's alerts in time order: the table fills the way a live
  // hub's does (alerts arrive as they happen), so a month's alerts sit together on disk.
  const perDay = Math.floor(SIZES.alerts / DATASET_DAYS);
  const longerDays = SIZES.alerts - perDay * DATASET_DAYS;
  let i = 0;
  for (let day = DATASET_DAYS; day >= 1; day--) {
    const dayStart = end - day * DAY;
    const n = perDay + (day <= longerDays ? 1 : 0);
    const times = Array.from({ length: n }, () => dayStart + weighted(random, HOUR_WEIGHT) * HOUR + Math.floor(random() * HOUR)).sort((a, b) => a - b);
    for (const occurredAt of times) {
      i++;
      yield alertLine(i, occurredAt, pickDevice(), end, random, out);
    }
  }

  function pickDevice(): BenchDevice {
    const r = random() * total;
    let lo = 0;
    let hi = devices.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < r) lo = mid + 1;
      else hi = mid;
    }
    return devices[lo] as BenchDevice;
  }
}

function alertLine(i: number, occurredAt: number, device: BenchDevice, end: number, random: Random, out: CaseOrigin[]): string {
  const type: AlertTypeName = random() < 0.02 ? 'DEVICE_OFFLINE' : weighted(random, ALERTS_OF[device.type]);
  const ageHours = (end - occurredAt) / HOUR;
  const status =
    ageHours < 6
      ? weighted(random, [['OPEN', 3], ['ACKNOWLEDGED', 2]] as const)
      : ageHours < 72
        ? weighted(random, [['OPEN', 2], ['ACKNOWLEDGED', 3], ['RESOLVED', 5]] as const)
        : weighted(random, [['RESOLVED', 8], ['DISMISSED', 1], ['ACKNOWLEDGED', 1]] as const);
  const severity = weighted(random, SEVERITY_OF[type]);
  const receivedAt = occurredAt + 200 + Math.floor(random() * 2000);
  const acknowledgedAt = status === 'OPEN' ? null : new Date(occurredAt + 60_000 + Math.floor(random() * 1_800_000)).toISOString();
  const id = uuidFrom(random);
  const rule = ALERT_CASE_RULES[type];
  if (rule && (!rule.minSeverity || SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(rule.minSeverity))) {
    out.push({ kind: 'ALERT', id, unitPath: device.path, title: ALERT_TYPE_TITLE[type], category: ALERT_TYPE_CATEGORY[type], severity: rule.severity ?? severity, openedAt: occurredAt + 120_000, lat: device.lat, lng: device.lng, reporter: null });
  }
  return copyLine([
    id,
    'iot-platform',
    `bench-alert-${String(i).padStart(7, '0')}`,
    type,
    severity,
    status,
    new Date(occurredAt).toISOString(),
    new Date(receivedAt).toISOString(),
    device.id,
    device.externalId,
    device.lat,
    device.lng,
    payloadFor(type, random),
    acknowledgedAt,
    acknowledgedAt ? 'bench' : null,
    ...placementValues(device.path),
  ]);
}

const ALERT_COLUMNS = [
  'id', 'source', 'external_id', 'type', 'severity', 'status', 'occurred_at', 'received_at', 'device_id', 'device_external_id', 'lat', 'lng',
  'payload', 'acknowledged_at', 'acknowledged_by', ...PLACEMENT_COLUMNS,
];

function* requestLines(hierarchy: DemoUnit[], channelOf: Map<string, string>, random: Random, people: Random, out: CaseOrigin[]): Generator<string> {
  const grids = hierarchy.filter((u) => u.tier === 'GRID');
  const end = DATASET_END.getTime();
  // In time order, as they arrive.
  const times = Array.from({ length: SIZES.residentRequests }, () => end - Math.floor(random() * DATASET_DAYS * DAY)).sort((a, b) => a - b);
  for (let i = 0; i < SIZES.residentRequests; i++) {
    const grid = pick(random, grids);
    const community = grid.parentCode as string;
    const category = weighted(random, REQUEST_CATEGORIES);
    const submittedAt = times[i] as number;
    const ageDays = (end - submittedAt) / DAY;
    const status = ageDays < 2 ? weighted(random, [['SUBMITTED', 3], ['REPLIED', 2]] as const) : weighted(random, [['CLOSED', 8], ['IN_CASE', 1], ['REPLIED', 1]] as const);
    const replied = status !== 'SUBMITTED';
    const repliedAt = replied ? submittedAt + Math.floor(random() * 2 * DAY) : null;
    const closedAt = status === 'CLOSED' ? (repliedAt ?? submittedAt) + Math.floor(random() * 3 * DAY) : null;
    const id = uuidFrom(random);
    const text = pick(random, REQUEST_TEXT[category] as string[]);
    const address = `南通市崇川区某新村${1 + Math.floor(people() * 30)}幢`;
    const contactName = `${pick(people, SURNAMES)}${pick(people, GIVEN)}`;
    const contactPhone = `13${String(Math.floor(people() * 1e9)).padStart(9, '0')}`;
    if (status === 'IN_CASE') {
      out.push({ kind: 'RESIDENT_REQUEST', id, unitPath: grid.path, title: text, category: REQUEST_CASE_CATEGORY[category], severity: 'MEDIUM', openedAt: repliedAt ?? submittedAt, lat: null, lng: null, reporter: { name: contactName, phone: contactPhone } });
    }
    yield copyLine([
      id,
      `R${String(i + 1).padStart(7, '0')}`,
      channelOf.get(community) as string,
      category,
      text,
      null,
      null,
      null,
      address,
      contactName,
      contactPhone,
      status,
      replied ? '已收到，网格员将尽快处理。' : null,
      repliedAt === null ? null : new Date(repliedAt).toISOString(),
      status === 'CLOSED' ? 3 + Math.floor(random() * 3) : null,
      new Date(submittedAt).toISOString(),
      closedAt === null ? null : new Date(closedAt).toISOString(),
      ...placementValues(grid.path),
    ]);
  }
}

const REQUEST_COLUMNS = [
  'id', 'tracking_code', 'channel_id', 'category', 'text', 'photo_url', 'lat', 'lng', 'address', 'contact_name', 'contact_phone', 'status', 'reply',
  'replied_at', 'satisfaction', 'submitted_at', 'closed_at', ...PLACEMENT_COLUMNS,
];

/** Where a case comes from: an alert an alert rule matches, a request that went IN_CASE, or an officer by hand. */
interface CaseOrigin {
  kind: CaseOriginName;
  id: string | null;
  unitPath: string;
  title: string;
  category: EventCategoryName;
  severity: SeverityName;
  openedAt: number;
  lat: number | null;
  lng: number | null;
  reporter: { name: string; phone: string } | null;
}

const REQUEST_CASE_CATEGORY: Record<(typeof REQUEST_CATEGORIES)[number][0], EventCategoryName> = { HAZARD: 'SAFETY_HAZARD', COMPLAINT: 'CITY_APPEARANCE', HELP: 'PUBLIC_SERVICE', SUGGESTION: 'PUBLIC_SERVICE' };

/** The actions that lead from REPORTED to each state, the plain way round the loop. */
const CASE_PATHS: Record<CaseStateName, CaseActionName[]> = {
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

/** Where a case has got to by the dataset's end, by its age: the recent ones are still open, a few old ones are stuck. */
function caseStateByAge(ageDays: number, random: Random): CaseStateName {
  if (ageDays < 3) {
    return weighted(random, [['REPORTED', 10], ['REGISTERED', 15], ['DISPATCHED', 20], ['IN_PROGRESS', 20], ['RESOLVED', 15], ['VERIFIED', 5], ['CLOSED', 10], ['REJECTED', 5]] as const);
  }
  if (ageDays < 14) return weighted(random, [['DISPATCHED', 6], ['IN_PROGRESS', 10], ['RESOLVED', 10], ['VERIFIED', 8], ['SUSPENDED', 3], ['CLOSED', 60], ['REJECTED', 3]] as const);
  return weighted(random, [['IN_PROGRESS', 2], ['SUSPENDED', 2], ['CLOSED', 92], ['REJECTED', 4]] as const);
}

const CASE_NOTES: Partial<Record<CaseActionName, string>> = {
  REGISTER: '符合立案条件，予以立案。',
  REJECT: '经核实不属于受理范围，不予立案。',
  DISPATCH: '派遣至网格处置。',
  START: '已到达现场，开始处置。',
  RESOLVE: '已处置完毕，请核查。',
  VERIFY: '现场核查通过。',
  FAIL_VERIFICATION: '核查未通过：现场仍有问题，重新派遣。',
  CLOSE: '处置到位，结案。',
  SUSPEND: '需协调多部门，暂时挂账。',
};
const MANUAL_CASES: readonly (readonly [EventCategoryName, string])[] = [
  ['CITY_APPEARANCE', '小区门口垃圾堆放'], ['ADVERTISING', '违规张贴小广告'], ['CONSTRUCTION', '夜间施工噪音扰民'], ['EMERGENCY', '道路积水'],
  ['STREET_ORDER', '占道经营'], ['FACILITIES', '路灯不亮'], ['SAFETY_HAZARD', '楼道堆物堵塞消防通道'], ['PUBLIC_SERVICE', '独居老人需要上门探访'],
];

/**
 * The cases and their history, as COPY lines: one case for every tenth alert an alert rule
 * matches, one for each request that went IN_CASE, and SIZES.manualCases opened by hand in
 * random grids; numbered in the order they were opened. Each walks the workflow table from
 * REPORTED (REGISTERED for alert rules, opened by `system`) towards the state its age gives,
 * an hour to a day a step, stopping at the dataset's end; a fifth of those that were resolved
 * failed verification once. Opened at the community, dispatched to the grid.
 */
function caseLines(hierarchy: DemoUnit[], fromAlerts: CaseOrigin[], fromRequests: CaseOrigin[], random: Random): { cases: string[]; history: string[] } {
  const end = DATASET_END.getTime();
  const grids = hierarchy.filter((u) => u.tier === 'GRID');
  const origins = [...fromAlerts.filter(() => random() < 0.1), ...fromRequests];
  for (let i = 0; i < SIZES.manualCases; i++) {
    const [category, title] = pick(random, MANUAL_CASES);
    origins.push({
      kind: 'MANUAL', id: null, unitPath: pick(random, grids).path, title, category, severity: weighted(random, [['LOW', 2], ['MEDIUM', 5], ['HIGH', 2], ['CRITICAL', 0.5]] as const),
      openedAt: end - Math.floor(random() * DATASET_DAYS * DAY), lat: null, lng: null, reporter: null,
    });
  }
  origins.sort((a, b) => a.openedAt - b.openedAt);
  const caseOut: string[] = [];
  const historyOut: string[] = [];
  origins.forEach((origin, index) => {
    const id = uuidFrom(random);
    const openedAt = Math.min(origin.openedAt, end - HOUR);
    const codes = origin.unitPath.split('.');
    const street = codes[2] as string;
    const officer = street === '320613006' ? 'xuetian.officer' : 'chongchuan.officer';
    const gridWorker = codes[4] === '320613006001001' ? 'hujing.grid' : `网格员${(codes[4] ?? '').slice(-6)}`;
    const byRule = origin.kind === 'ALERT';
    let target = caseStateByAge((end - openedAt) / DAY, random);
    // An alert rule's case starts REGISTERED: it is never rejected.
    if (byRule && target === 'REPORTED') target = 'REGISTERED';
    if (byRule && target === 'REJECTED') target = 'CLOSED';
    const actions = CASE_PATHS[target].filter((a) => !(byRule && a === 'REGISTER'));
    if (actions.includes('RESOLVE') && random() < 0.2) actions.splice(actions.indexOf('RESOLVE') + 1, 0, 'FAIL_VERIFICATION', 'START', 'RESOLVE');
    let state: CaseStateName = byRule ? 'REGISTERED' : 'REPORTED';
    let assigneePath = codes.slice(0, 4).join('.');
    let at = openedAt;
    let version = 1;
    let reopens = 0;
    let suspendedFrom: CaseStateName | null = null;
    let deadline = deadlineFrom(new Date(at), origin.category, origin.severity).getTime();
    const openedBy = byRule ? 'system' : officer;
    const assigneeCode = () => assigneePath.slice(assigneePath.lastIndexOf('.') + 1);
    historyOut.push(copyLine([id, 1, openedBy, null, new Date(at).toISOString(), 'OPEN', null, state, null, null, assigneeCode()]));
    for (const action of actions) {
      const gap = HOUR + Math.floor(random() * 23 * HOUR);
      if (at + gap > end - 60_000) break;
      at += gap;
      const before = assigneeCode();
      if (action === 'DISPATCH') assigneePath = origin.unitPath;
      if (action === 'SUSPEND') suspendedFrom = state;
      if (action === 'FAIL_VERIFICATION') reopens++;
      if (WORKFLOW[action].renewsDeadline) deadline = deadlineFrom(new Date(at), origin.category, origin.severity).getTime();
      const to = WORKFLOW[action].to as CaseStateName;
      const actor = action === 'START' || action === 'RESOLVE' ? gridWorker : officer;
      version++;
      historyOut.push(copyLine([id, version, actor, null, new Date(at).toISOString(), action, state, to, CASE_NOTES[action] ?? null, before, assigneeCode()]));
      state = to;
    }
    const placement = placementValues(origin.unitPath);
    const year = new Date(openedAt + 8 * HOUR).getUTCFullYear();
    const final = state === 'CLOSED' || state === 'REJECTED';
    caseOut.push(
      copyLine([
        id, `${codes[1]}-${year}-${String(index + 1).padStart(6, '0')}`, origin.title, '', origin.category, origin.severity, state, state === 'SUSPENDED' ? suspendedFrom : null, version,
        origin.kind, origin.id, assigneeCode(), assigneePath, origin.lat, origin.lng, origin.reporter?.name ?? null, origin.reporter?.phone ?? null,
        new Date(openedAt).toISOString(), openedBy, new Date(deadline).toISOString(), final ? new Date(at).toISOString() : null, new Date(at).toISOString(),
        reopens, 0, state === 'CLOSED' && origin.kind === 'RESIDENT_REQUEST' ? 3 + Math.floor(random() * 3) : null, ...placement,
      ]),
    );
  });
  return { cases: caseOut, history: historyOut };
}

const CASE_COLUMNS = [
  'id', 'number', 'title', 'description', 'category', 'severity', 'state', 'suspended_from', 'version', 'origin_kind', 'origin_id', 'assignee_code', 'assignee_path',
  'lat', 'lng', 'reporter_name', 'reporter_phone', 'opened_at', 'opened_by', 'deadline_at', 'closed_at', 'updated_at', 'reopen_count', 'escalation_count',
  'satisfaction', ...PLACEMENT_COLUMNS,
];
const CASE_HISTORY_COLUMNS = ['case_id', 'seq', 'actor', 'actor_unit_code', 'at', 'action', 'from_state', 'to_state', 'note', 'assignee_before', 'assignee_after'];

/** CREATE INDEX statements of a table's plain indexes (not those behind a key or constraint). */
async function plainIndexes(tx: postgres.TransactionSql, table: string): Promise<{ name: string; definition: string }[]> {
  return tx<{ name: string; definition: string }[]>`
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    where i.indrelid = ${table}::regclass
      and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`;
}

async function ensureDatabase(url: string, rebuild: boolean): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`database name "${name}": letters, digits and _ only`);
  target.pathname = '/postgres';
  const admin = postgres(target.toString(), { max: 1, onnotice: () => {} });
  try {
    if (rebuild) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
}

/** Runs a generator of COPY lines for what it records on the side, writing nothing. */
function drain(lines: Iterable<string>): void {
  for (const line of lines) void line;
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl();
  const rebuild = process.argv.includes('--rebuild');
  const started = Date.now();
  await ensureDatabase(url, rebuild);
  const database = await openServer({ url, max: 2 });
  try {
    await applyMigrations(database);
    const [unitCount] = await database.db.select({ n: count() }).from(units);
    const [alertCount] = await database.db.select({ n: count() }).from(alerts);
    const [caseCount] = await database.db.select({ n: count() }).from(cases);
    const hierarchy = benchUnits();
    const loaded = Number(unitCount?.n) === hierarchy.length && Number(alertCount?.n) === SIZES.alerts;
    if (loaded && Number(caseCount?.n) > 0) {
      process.stdout.write(`bench dataset already in ${new URL(url).pathname.slice(1)} (${hierarchy.length} units, ${SIZES.alerts} alerts, ${caseCount?.n} cases): nothing to do (--rebuild makes it again)\n`);
      return;
    }
    if (!loaded && Number(unitCount?.n) !== 0) throw new Error(`${url} holds other data (${unitCount?.n} units, ${alertCount?.n} alerts): run with --rebuild to drop and recreate it`);
    // A dataset written before the cases module: the same streams run again, writing only the
    // cases (their origins are the alerts and requests those streams make).
    const casesOnly = loaded;

    const random = seededRandom(8_320_613);
    const people = seededRandom(8_320_614);
    const channelRandom = seededRandom(8_320_615);
    const caseRandom = seededRandom(8_320_616);
    const benchDevices: BenchDevice[] = [];
    const channelOf = new Map<string, string>();
    const alertOrigins: CaseOrigin[] = [];
    const requestOrigins: CaseOrigin[] = [];
    const lap = (label: string, since: number) => process.stdout.write(`  ${label} in ${((Date.now() - since) / 1000).toFixed(1)} s\n`);
    process.stdout.write(casesOnly ? `adding the cases to the bench dataset in ${new URL(url).pathname.slice(1)}\n` : `building the bench dataset in ${new URL(url).pathname.slice(1)}\n`);

    if (!casesOnly) {
      await database.db.transaction(async (tx) => {
        await tx.insert(units).values(hierarchy.map(({ code, name, tier, parentCode, path, depth }) => ({ code, name, tier, parentCode, path, depth })));
        await tx.insert(departments).values(DEMO_DEPARTMENTS);
        await tx.insert(principals).values(DEMO_PRINCIPALS);
      });
    }

    const { sql } = database as typeof database & { sql: postgres.Sql };
    let caseTotal = 0;
    let historyTotal = 0;
    await sql.begin(async (tx) => {
      await tx`set local synchronous_commit = off`;
      await tx`set local maintenance_work_mem = '256MB'`;
      const write = (table: string, columns: readonly string[], rows: Iterable<string>) => (casesOnly ? Promise.resolve(drain(rows)) : copyInto(tx, table, columns, rows));
      const dropped: { name: string; definition: string }[] = [];
      for (const table of casesOnly ? ['cases'] : ['devices', 'alerts', 'resident_requests', 'cases']) {
        for (const index of await plainIndexes(tx, table)) {
          dropped.push(index);
          await tx.unsafe(`drop index ${index.name}`);
        }
      }
      let at = Date.now();
      await write('devices', DEVICE_COLUMNS, deviceLines(hierarchy, random, people, benchDevices));
      lap(`${benchDevices.length} devices${casesOnly ? ' (generated, not written)' : ''}`, at);

      at = Date.now();
      await write('alerts', ALERT_COLUMNS, alertLines(benchDevices, random, alertOrigins));
      lap(`${SIZES.alerts} alerts${casesOnly ? ' (generated, not written)' : ''}`, at);

      at = Date.now();
      const communities = hierarchy.filter((u) => u.tier === 'COMMUNITY');
      for (const community of communities) {
        const id = uuidFrom(channelRandom);
        channelOf.set(community.code, id);
        if (casesOnly) continue;
        const tokenHash = createHash('sha256').update(`bench-channel-${community.code}`).digest('hex');
        await tx`insert into channels (id, community_code, name, token_hash, created_by, created_at)
                 values (${id}, ${community.code}, ${`${community.name}居民服务码`}, ${tokenHash}, 'bench', ${new Date(DATASET_END.getTime() - (DATASET_DAYS + 30) * DAY).toISOString()})`;
      }
      await write('resident_requests', REQUEST_COLUMNS, requestLines(hierarchy, channelOf, random, people, requestOrigins));
      lap(`${communities.length} channels and ${SIZES.residentRequests} resident requests${casesOnly ? ' (generated, not written)' : ''}`, at);

      at = Date.now();
      const made = caseLines(hierarchy, alertOrigins, requestOrigins, caseRandom);
      await copyInto(tx, 'cases', CASE_COLUMNS, made.cases);
      await copyInto(tx, 'case_history', CASE_HISTORY_COLUMNS, made.history);
      await tx`select setval('case_number_seq', ${made.cases.length + 1}, false)`;
      caseTotal = made.cases.length;
      historyTotal = made.history.length;
      lap(`${caseTotal} cases with ${historyTotal} history entries`, at);

      at = Date.now();
      for (const index of dropped) await tx.unsafe(index.definition);
      lap(`${dropped.length} indexes rebuilt`, at);
    });
    const at = Date.now();
    await sql`vacuum analyze units, devices, alerts, resident_requests, channels, cases, case_history`;
    lap('vacuum analyze', at);
    process.stdout.write(
      `bench dataset ${casesOnly ? 'completed' : 'built'} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${hierarchy.length} units, ${DEMO_PRINCIPALS.length} principals, ` +
        `${benchDevices.length} devices, ${SIZES.alerts} alerts, ${channelOf.size} channels, ${SIZES.residentRequests} resident requests, ${caseTotal} cases, ${historyTotal} case history entries\n`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:data: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
