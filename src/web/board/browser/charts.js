// The board's charts: Apache ECharts, only the parts used (bundled from node_modules).
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const TEXT = '#cfe3ff';

/** Chart text follows the page's type scale (board.css sizes the root font from the viewport). */
function px(rem) {
  return Math.round(rem * parseFloat(getComputedStyle(document.documentElement).fontSize));
}

const axis = () => ({ axisLabel: { color: TEXT, fontSize: px(0.85) }, axisLine: { lineStyle: { color: '#3a5a85' } }, splitLine: { lineStyle: { color: '#1d3354' } } });
const legend = () => ({ textStyle: { color: TEXT, fontSize: px(0.85) }, itemWidth: px(1.2), itemHeight: px(0.7), top: 0, right: 8 });

const charts = new Map();

function chartIn(container) {
  let chart = charts.get(container);
  if (!chart || chart.isDisposed()) {
    chart = echarts.init(container, null, { renderer: 'canvas' });
    charts.set(container, chart);
  }
  return chart;
}

export function resizeCharts() {
  for (const chart of charts.values()) chart.resize();
}

export function disposeCharts() {
  for (const chart of charts.values()) chart.dispose();
  charts.clear();
}

/** Today's alerts per child unit (bars) against each one's 7-day daily mean (line). */
export function drawChildCounts(container, rows) {
  const AXIS = axis();
  chartIn(container).setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: legend(),
    grid: { left: 8, right: 16, top: px(1.8), bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: rows.map((r) => r.name), ...AXIS, axisLabel: { ...AXIS.axisLabel, interval: 0, rotate: rows.length > 6 ? 35 : 0 } },
    yAxis: { type: 'value', minInterval: 1, ...AXIS },
    series: [
      { name: '今日告警', type: 'bar', data: rows.map((r) => r.today), itemStyle: { color: '#3ba0ff' }, label: { show: true, position: 'top', color: TEXT, fontSize: px(0.85) } },
      { name: '近7日日均', type: 'line', data: rows.map((r) => Math.round(r.mean * 10) / 10), itemStyle: { color: '#ffb020' }, lineStyle: { width: 3 } },
    ],
  }, { notMerge: true });
}

/** Horizontal bars, largest at the top: [{ name, value }]. */
export function drawRanking(container, rows, color) {
  const sorted = [...rows].sort((a, b) => a.value - b.value);
  const AXIS = axis();
  chartIn(container).setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, ...AXIS, axisLabel: { show: false } },
    yAxis: { type: 'category', data: sorted.map((r) => r.name), ...AXIS, axisLabel: { ...AXIS.axisLabel, interval: 0 } },
    series: [{ type: 'bar', data: sorted.map((r) => r.value), itemStyle: { color }, label: { show: true, position: 'right', color: TEXT, fontSize: px(0.85) } }],
  }, { notMerge: true });
}

/** Devices by type, stacked by status: rows [{ name, ONLINE, OFFLINE, FAULT }]. */
export function drawDevices(container, rows, statusLabels) {
  const colors = { ONLINE: '#2fc25b', OFFLINE: '#8a94a6', FAULT: '#f04864' };
  const AXIS = axis();
  chartIn(container).setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: legend(),
    grid: { left: 8, right: 16, top: px(1.6), bottom: 8, containLabel: true },
    xAxis: { type: 'value', ...AXIS, axisLabel: { show: false } },
    yAxis: { type: 'category', data: rows.map((r) => r.name), ...AXIS, axisLabel: { ...AXIS.axisLabel, interval: 0, fontSize: px(0.75) } },
    series: ['ONLINE', 'OFFLINE', 'FAULT'].map((status) => ({
      name: statusLabels[status],
      type: 'bar',
      stack: 'all',
      data: rows.map((r) => r[status]),
      itemStyle: { color: colors[status] },
    })),
  }, { notMerge: true });
}
