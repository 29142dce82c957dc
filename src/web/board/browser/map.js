// The map panel, with nothing from the internet: a tile grid of the child units coloured by
// today's alert intensity (click one to drill down), and beside it the alerts and the devices
// that need attention placed by their coordinates (Web Mercator) on a plain offline base, or on
// the operator's own tiles when BOARD_TILE_URL is set.
import { el } from './dom.js';

const TILE = 256;

/** rows: [{ code, name, today, mean }]; onPick(code) drills down. */
export function drawUnitTiles(container, rows, onPick) {
  if (rows.length === 0) {
    container.replaceChildren(el('p', { class: 'empty', text: '本级为最小单元，无下级单位' }));
    return;
  }
  const max = Math.max(1, ...rows.map((r) => r.today));
  const columns = Math.ceil(Math.sqrt(rows.length * 1.6));
  container.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
  container.replaceChildren(
    ...rows.map((row) => {
      const level = row.today === 0 ? 0 : Math.min(4, 1 + Math.floor((row.today / max) * 3.999));
      const above = row.today > row.mean * 1.5 && row.today >= 3;
      return el(
        'button',
        { class: `unit-tile heat-${level}${above ? ' above-mean' : ''}`, type: 'button', data: { unit: row.code }, title: `${row.name}：今日 ${row.today} 条，近7日日均 ${row.mean.toFixed(1)} 条`, on: { click: () => onPick(row.code) } },
        el('span', { class: 'unit-name', text: row.name }),
        el('span', { class: 'unit-count', text: String(row.today) }),
        el('span', { class: 'unit-mean', text: `日均 ${row.mean.toFixed(1)}` }),
      );
    }),
  );
}

const worldX = (lng) => (lng + 180) / 360;
const worldY = (lat) => {
  const sin = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return 0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI);
};

/** The zoom and the top-left corner (world pixels) that fit every point into width × height. */
function fit(points, width, height) {
  const xs = points.map((p) => worldX(p.lng));
  const ys = points.map((p) => worldY(p.lat));
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const spanX = Math.max(maxX - minX, 1e-6);
  const spanY = Math.max(maxY - minY, 1e-6);
  const zoom = Math.max(3, Math.min(18, Math.floor(Math.log2(Math.min((width * 0.85) / (spanX * TILE), (height * 0.85) / (spanY * TILE))))));
  const size = TILE * 2 ** zoom;
  return { zoom, size, left: ((minX + maxX) / 2) * size - width / 2, top: ((minY + maxY) / 2) * size - height / 2 };
}

function tiles(view, width, height, template) {
  const count = 2 ** view.zoom;
  const images = [];
  for (let ty = Math.floor(view.top / TILE); ty * TILE < view.top + height; ty++) {
    for (let tx = Math.floor(view.left / TILE); tx * TILE < view.left + width; tx++) {
      if (ty < 0 || ty >= count) continue;
      const x = ((tx % count) + count) % count;
      const src = template.replace('{z}', String(view.zoom)).replace('{x}', String(x)).replace('{y}', String(ty));
      const image = el('img', { class: 'tile', src, alt: '' });
      image.style.left = `${tx * TILE - view.left}px`;
      image.style.top = `${ty * TILE - view.top}px`;
      images.push(image);
    }
  }
  return images;
}

/** points: [{ lat, lng, kind: 'alert' | 'device', level, title }]. */
export function drawPointMap(container, points, tileUrl) {
  const width = container.clientWidth;
  const height = container.clientHeight;
  const placed = points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lng));
  if (placed.length === 0 || width === 0) {
    container.replaceChildren(el('p', { class: 'empty', text: '暂无带坐标的告警或设备' }));
    return;
  }
  const view = fit(placed, width, height);
  const dots = placed.map((p) => {
    const dot = el('span', { class: `dot dot-${p.kind} level-${p.level}`, title: p.title });
    dot.style.left = `${worldX(p.lng) * view.size - view.left}px`;
    dot.style.top = `${worldY(p.lat) * view.size - view.top}px`;
    return dot;
  });
  const base = tileUrl ? tiles(view, width, height, tileUrl) : [el('div', { class: 'offline-base' })];
  container.replaceChildren(...base, ...dots, el('div', { class: 'map-legend', text: '● 今日告警　◆ 离线/故障设备' }));
}
