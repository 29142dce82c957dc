import type { ReportFigures, FlowKind, KeyCount } from './report.figures.js';
import type { Report } from './report.type.js';
import { EVENT_CATEGORIES } from '../categories/index.js';
import { cstWallClock } from '../../platform/time.js';

/**
 * The printable page of a report: one self-contained HTML document in Chinese, charts drawn
 * here as inline SVG (no script, no font, no image from anywhere), laid out for A4 paper.
 */

const LABELS: Record<string, string> = {
  // alert types
  SMOKE: '烟感报警',
  MANHOLE_TILT: '井盖倾斜',
  HYDRANT_PRESSURE_LOW: '消防栓水压低',
  EBIKE_IN_ELEVATOR: '电动车进电梯',
  THROWN_FROM_HEIGHT: '高空抛物',
  ELDERLY_ALARM: '独居老人一键报警',
  GARBAGE_ROOM_FULL: '垃圾房满溢',
  PARKING_VIOLATION: '违规停车',
  FIRE_PASSAGE_BLOCKED: '消防通道堵塞',
  STREET_VENDOR: '占道经营',
  DEVICE_OFFLINE: '设备离线',
  // request categories
  SUGGESTION: '建议',
  COMPLAINT: '投诉',
  HELP: '求助',
  HAZARD: '隐患',
  // device types and statuses
  SMOKE_DETECTOR: '烟感探测器',
  MANHOLE_COVER: '智能井盖',
  FIRE_HYDRANT: '消防栓',
  ELEVATOR_EBIKE_BLOCKER: '电梯电动车阻车器',
  HIGH_THROW_CAMERA: '高空抛物摄像机',
  PARKING_SENSOR: '地磁车位检测器',
  ELDERLY_ALARM_BUTTON: '一键报警按钮',
  SMART_GARBAGE_ROOM: '智能垃圾房',
  CAMERA: '摄像机',
  ONLINE: '在线',
  OFFLINE: '离线',
  FAULT: '故障',
};
const KIND_LABELS: Record<string, string> = { ALERTS: '告警', REQUESTS: '居民诉求', DEVICES: '物联设备', CASES: '案卷' };
const PERIOD_LABELS: Record<string, string> = { WEEK: '周报', MONTH: '月报', CUSTOM: '专题报告' };

export function label(key: string): string {
  return LABELS[key] ?? (EVENT_CATEGORIES as Record<string, { name: string }>)[key]?.name ?? key;
}

function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** `2026-11-23T16:00:00.000Z` → `2026年11月24日` (Asia/Shanghai). */
function cstDate(iso: string, offsetMs = 0): string {
  const d = cstWallClock(new Date(new Date(iso).getTime() + offsetMs));
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

function percent(ratio: number | null): string {
  if (ratio === null) return '—';
  const value = Math.round(ratio * 1000) / 10;
  return `${value > 0 ? '+' : ''}${value}%`;
}

const COLORS = ['#c0392b', '#2471a3', '#1e8449', '#b9770e', '#7d3c98', '#117a65', '#a04000', '#566573'];

/** Horizontal bars, one per item, largest first. */
function barChart(title: string, items: { label: string; count: number }[], color: string, id: string, half = false): string {
  const rows = items.slice(0, 12);
  const max = Math.max(1, ...rows.map((r) => r.count));
  const rowHeight = 22;
  // A half-width chart (two side by side) keeps the same text size on paper.
  const labelWidth = half ? 120 : 150;
  const barWidth = half ? 130 : 380;
  const height = Math.max(1, rows.length) * rowHeight + 10;
  const bars = rows
    .map((r, i) => {
      const y = 5 + i * rowHeight;
      const w = Math.max(r.count > 0 ? 2 : 0, Math.round((r.count / max) * barWidth));
      return `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text><rect class="bar" x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 6}" fill="${color}"/><text x="${labelWidth + w + 4}" y="${y + 15}">${r.count}</text>`;
    })
    .join('');
  const empty = rows.length === 0 ? `<text x="10" y="20">本期无数据</text>` : '';
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption><svg id="${id}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${labelWidth + barWidth + 50} ${height}" width="100%">${bars}${empty}</svg></figure>`;
}

/** Columns per day for each flow kind, side by side. */
function dayChart(title: string, figures: ReportFigures, id: string): string {
  const days = figures.byDay.ALERTS.map((d) => d.day);
  const kinds: FlowKind[] = ['ALERTS', 'REQUESTS', 'CASES'];
  const max = Math.max(1, ...kinds.flatMap((k) => figures.byDay[k].map((d) => d.count)));
  const width = 580;
  const height = 180;
  const left = 36;
  const bottom = 150;
  const slot = (width - left) / Math.max(days.length, 1);
  const barW = Math.max(1, (slot - 4) / kinds.length);
  const bars = kinds
    .flatMap((kind, k) =>
      figures.byDay[kind].map((d, i) => {
        const h = Math.round((d.count / max) * (bottom - 10));
        return `<rect class="bar" x="${(left + i * slot + 2 + k * barW).toFixed(1)}" y="${bottom - h}" width="${barW.toFixed(1)}" height="${h}" fill="${COLORS[k]}"><title>${esc(d.day)} ${KIND_LABELS[kind]} ${d.count}</title></rect>`;
      }),
    )
    .join('');
  const step = Math.ceil(days.length / 10);
  const ticks = days.map((day, i) => (i % step === 0 ? `<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${bottom + 14}" text-anchor="middle">${esc(day.slice(5))}</text>` : '')).join('');
  const axis = `<line x1="${left}" y1="${bottom}" x2="${width}" y2="${bottom}" stroke="#333"/><text x="${left - 4}" y="14" text-anchor="end">${max}</text><text x="${left - 4}" y="${bottom}" text-anchor="end">0</text>`;
  const legend = kinds.map((kind, k) => `<rect x="${left + k * 110}" y="${height - 12}" width="10" height="10" fill="${COLORS[k]}"/><text x="${left + 14 + k * 110}" y="${height - 3}">${KIND_LABELS[kind]}</text>`).join('');
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption><svg id="${id}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="100%">${axis}${bars}${ticks}${legend}</svg></figure>`;
}

function typeItems(items: KeyCount[]): { label: string; count: number }[] {
  return items.map((i) => ({ label: label(i.key), count: i.count }));
}

function rate(value: number | null): string {
  return value === null ? '—' : `${Math.round(value * 1000) / 10}%`;
}

function num(value: number | null): string {
  return value === null ? '—' : String(value);
}

/** GB/T 30428 综合评价: the unit's case KPIs and each child unit's. */
function kpiTable(f: ReportFigures): string {
  const row = (name: string, k: ReportFigures['caseKpis'] | ReportFigures['caseKpis']['children'][number], strong = false) =>
    `<tr${strong ? ' class="total"' : ''}><th>${esc(name)}</th><td>${k.opened}</td><td>${k.closed}</td><td>${rate(k.onTimeClosureRate)}</td><td>${num(k.averageHandlingHours)}</td><td>${k.overdue}</td><td>${rate(k.reopenRate)}</td><td>${num(k.averageSatisfaction)}</td></tr>`;
  return `<table id="case-kpis">
<thead><tr><th>单位</th><th>立案</th><th>结案</th><th>按期结案率</th><th>平均处置时长（小时）</th><th>超期</th><th>返工率</th><th>满意度（1–5）</th></tr></thead>
<tbody>${row(`${f.unit.name}（合计）`, f.caseKpis, true)}${f.caseKpis.children.map((c) => row(c.name, c)).join('')}</tbody>
</table>
<p class="note">按期结案率＝期内结案中按期（结案时间不晚于处置时限）者占比；超期＝期末仍未结案且已过时限的案卷（挂账案卷不计）；返工率＝期内结案中曾核查不通过者占比。</p>`;
}

export function renderReportPage(report: Report, unitName: string): string {
  const f = report.figures;
  const title = `${unitName}${PERIOD_LABELS[report.periodKind] ?? '报告'}（${cstDate(f.period.from)}—${cstDate(f.period.to, -1)}）`;
  const flow: FlowKind[] = ['ALERTS', 'REQUESTS', 'CASES'];
  const totalsRows = flow
    .map((kind) => {
      const c = f.previous.change[kind];
      const rank = f.siblings.ranks?.[kind];
      return `<tr><th>${KIND_LABELS[kind]}</th><td>${f.totals[kind]}</td><td>${c.previous}</td><td>${c.delta > 0 ? '+' : ''}${c.delta}（${percent(c.ratio)}）</td><td>${rank ? `${rank.rank} / ${f.siblings.units}` : '—'}</td><td>${rank ? `${rank.mean}（${rank.ratioToMean === null ? '—' : `${Math.round(rank.ratioToMean * 100)}%`}）` : '—'}</td></tr>`;
    })
    .join('');
  const online = f.deviceStatus.find((s) => s.key === 'ONLINE')?.count ?? 0;
  const problems = f.topProblems
    .map((p, i) => `<tr><td>${i + 1}</td><td>${esc(label(p.type))}</td><td>${KIND_LABELS[p.kind]}</td><td>${p.count}</td><td>${Math.round(p.share * 1000) / 10}%</td></tr>`)
    .join('');
  const siblingNote = f.siblings.parent ? `同级比较：${esc(f.siblings.parent.name)}下辖 ${f.siblings.units} 个单位，名次按数量从多到少。` : '';
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>
  @page { size: A4; margin: 16mm 14mm; }
  * { box-sizing: border-box; }
  body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif; color: #222; margin: 0 auto; max-width: 190mm; padding: 8mm 0; font-size: 11pt; line-height: 1.5; }
  h1 { font-size: 18pt; text-align: center; margin: 0 0 2mm; }
  .meta { text-align: center; color: #555; font-size: 9pt; margin-bottom: 6mm; }
  h2 { font-size: 13pt; border-left: 4px solid #c0392b; padding-left: 6px; margin: 6mm 0 3mm; page-break-after: avoid; }
  table { width: 100%; border-collapse: collapse; font-size: 10pt; }
  th, td { border: 1px solid #999; padding: 3px 6px; text-align: center; }
  thead th { background: #f2f2f2; }
  tr.total { font-weight: bold; background: #fafafa; }
  figure.chart { margin: 0 0 4mm; page-break-inside: avoid; }
  figcaption { font-weight: bold; font-size: 10pt; margin-bottom: 2mm; }
  svg text { font-size: 11px; fill: #222; }
  .note { color: #555; font-size: 9pt; }
  .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }
  @media print { body { padding: 0; } .noprint { display: none; } h2 { break-after: avoid; } figure.chart, table { break-inside: avoid; } }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<div class="meta">研判报告 · 生成于 ${esc(cstDate(report.generatedAt.toISOString()))} · 生成者 ${esc(report.generatedBy)} · 统计口径：北京时间（Asia/Shanghai）自然日，仅含汇总数据</div>

<h2>一、总体情况</h2>
<table id="totals">
<thead><tr><th>类别</th><th>本期</th><th>上期</th><th>环比变化</th><th>同级排名</th><th>同级均值（本单位/均值）</th></tr></thead>
<tbody>${totalsRows}
<tr><th>物联设备</th><td>${f.totals.DEVICES}</td><td colspan="4">在线 ${online} 台，在线率 ${f.totals.DEVICES ? Math.round((online / f.totals.DEVICES) * 1000) / 10 : 0}%（设备状态为报告生成时状态）</td></tr>
</tbody>
</table>
<p class="note">上期：${esc(cstDate(f.previous.from))}—${esc(cstDate(f.previous.to, -1))}。${siblingNote}</p>

<h2>二、每日趋势</h2>
${dayChart('每日告警、居民诉求与案卷数量', f, 'chart-days')}

<h2>三、突出问题</h2>
<table id="top-problems">
<thead><tr><th>序号</th><th>问题</th><th>来源</th><th>数量</th><th>占比</th></tr></thead>
<tbody>${problems || '<tr><td colspan="5">本期无数据</td></tr>'}</tbody>
</table>
<div class="grid2">
${barChart('告警类型分布', typeItems(f.byType.ALERTS), COLORS[0] as string, 'chart-alert-types', true)}
${barChart('居民诉求类别分布', typeItems(f.byType.REQUESTS), COLORS[1] as string, 'chart-request-types', true)}
</div>

<h2>四、下辖单位分布</h2>
${barChart('各下辖单位告警数量', f.byChildUnit.ALERTS.map((u) => ({ label: u.name, count: u.count })), COLORS[0] as string, 'chart-children')}

<h2>五、案卷综合评价</h2>
${kpiTable(f)}
${barChart('案卷类别分布', typeItems(f.byType.CASES), COLORS[4] as string, 'chart-case-types')}

<h2>六、物联设备</h2>
<div class="grid2">
${barChart('设备状态', typeItems(f.deviceStatus), COLORS[2] as string, 'chart-device-status', true)}
${barChart('设备类型', typeItems(f.byType.DEVICES), COLORS[3] as string, 'chart-device-types', true)}
</div>
</body>
</html>
`;
}
