// One unit's board: what is fetched, what the live feeds change, and how each panel is drawn.
// A drill-down (or the way back up) opens another unit in the same page: the feeds of the old
// one end, everything is fetched again for the new one, and answers meant for the old one
// (a slow request) are dropped by their generation number.
import { ACKNOWLEDGE, ALERT_COUNTS, ALERT_RAISED, CASES, CASE_CHANGED, DEVICES, DEVICE_CHANGED, ME, REQUESTS, REQUEST_SUBMITTED, UNIT } from './ops.js';
import { ago, byId, el, hhmm, throttle } from './dom.js';
import { disposeCharts, drawChildCounts, drawDevices, drawRanking } from './charts.js';
import { drawPointMap, drawUnitTiles } from './map.js';

const DAY = 86_400_000;
const CST = 8 * 3_600_000;
const CLOSED_STATES = new Set(['CLOSED', 'REJECTED']);
const DEVICE_STATUSES = ['ONLINE', 'OFFLINE', 'FAULT'];

/** Midnight today in China Standard Time, where the API's days are. */
function todayStart(now = Date.now()) {
  return Math.floor((now + CST) / DAY) * DAY - CST;
}

const within = (path, root) => path === root || path.startsWith(`${root}.`);
const percent = (rate) => (rate === null || rate === undefined ? '–' : `${Math.round(rate * 100)}%`);
const hours = (h) => (h === null || h === undefined ? '–' : h.toFixed(1));
const words = (error) => (error?.code === 'FORBIDDEN' ? '无权查看' : error?.code === 'NOT_FOUND' ? '不在您的管辖范围内' : `暂时无法读取（${error?.message ?? error}）`);

export function createBoard({ api, page, onDrill }) {
  const L = page.labels;
  const cap = page.streamCap;
  let generation = 0;
  let me;
  let unit;
  let children = [];
  let stream = [];
  let today = new Map();
  let week = new Map();
  let types = new Map();
  let devicePoints = [];
  let unsubscribe = [];
  const clock = setInterval(() => tick(), 1000);

  function tick() {
    const now = new Date();
    const node = byId('clock');
    if (node) node.textContent = now.toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
  }

  function problem(text) {
    const node = byId('problem');
    node.textContent = text ?? '';
    node.hidden = !text;
  }

  function fresh(gen) {
    return gen === generation;
  }

  // ---- opening a unit -------------------------------------------------------------------
  async function open(code) {
    const gen = ++generation;
    for (const stop of unsubscribe) stop();
    unsubscribe = [];
    stream = [];
    devicePoints = [];
    clearPanels();
    problem(undefined);
    byId('board').dataset.state = 'loading';
    try {
      me ??= (await api.call(ME)).me;
      byId('viewer').textContent = `${me.displayName}`;
      if (!me.unit) throw Object.assign(new Error('该账号不属于任何单位，无法显示指挥大屏'), { code: 'NO_UNIT' });
      const target = (await api.call(UNIT, { code: code ?? me.unit.code })).unit;
      if (!fresh(gen)) return;
      if (!within(target.path, me.unit.path)) throw Object.assign(new Error('该单位不在您的管辖范围内'), { code: 'OUT_OF_SCOPE' });
      unit = target;
      children = unit.tier === 'GRID' ? [] : unit.children;
    } catch (error) {
      if (!fresh(gen)) return;
      problem(error.code === 'NOT_FOUND' ? '没有该单位' : error.message);
      byId('board').dataset.state = 'refused';
      drawCrumbs(me?.unit ? [me.unit] : []);
      return;
    }
    drawHeader();
    const feeds = [
      [ALERT_RAISED, onAlert, () => refreshAlerts(gen)],
      [CASE_CHANGED, refreshCases, refreshCases],
      [DEVICE_CHANGED, refreshDevices, refreshDevices],
      [REQUEST_SUBMITTED, refreshRequests, refreshRequests],
    ];
    // How many feeds know their cursor (the test waits for all of them before it cuts the socket).
    let placed = 0;
    byId('board').dataset.placed = '0';
    for (const [query, next, refetch] of feeds) {
      unsubscribe.push(
        api.live(query, { unit: unit.code }, {
          next,
          lost: (reason) => lost(gen, reason, refetch),
          placed: () => {
            if (fresh(gen)) byId('board').dataset.placed = String(++placed);
          },
        }),
      );
    }
    await refreshAll(gen);
    if (!fresh(gen)) return;
    byId('board').dataset.state = 'ready';
    byId('board').dataset.unit = unit.code;
  }

  /** Nothing of the unit shown before stays while another one loads, or is refused. */
  function clearPanels() {
    disposeCharts();
    for (const id of ['stream', 'overdue-list', 'silent-list', 'requests-list', 'unit-tiles', 'point-map', 'chart-children', 'chart-types', 'chart-cases', 'chart-devices']) byId(id).replaceChildren();
    for (const node of document.querySelectorAll('.figure-value')) node.textContent = '–';
  }

  function drawHeader() {
    byId('title').textContent = `${unit.name}社会治理指挥中心`;
    document.title = `${unit.name} · 指挥大屏`;
    const chain = [];
    for (let node = unit; node; node = node.parent) chain.unshift(node);
    drawCrumbs(chain.filter((node) => within(node.path, me.unit.path)));
  }

  function drawCrumbs(chain) {
    const crumbs = chain.map((node, index) =>
      index === chain.length - 1
        ? el('span', { class: 'crumb current', 'aria-current': 'page', text: node.name })
        : el('button', { type: 'button', class: 'crumb', data: { crumb: node.code }, text: node.name, on: { click: () => onDrill(node.code === me.unit.code ? undefined : node.code) } }),
    );
    byId('crumbs').replaceChildren(...crumbs.flatMap((crumb, index) => (index === 0 ? [crumb] : [el('span', { class: 'crumb-sep', text: '›' }), crumb])));
  }

  async function refreshAll(gen = generation) {
    await Promise.all([refreshAlerts(gen), refreshCasesNow(gen), refreshDevicesNow(gen), refreshRequestsNow(gen)]);
  }

  // ---- alerts -----------------------------------------------------------------------------
  async function refreshAlerts(gen) {
    const now = Date.now();
    try {
      const data = await api.call(ALERT_COUNTS, { unit: unit.code, today: new Date(todayStart(now)).toISOString(), weekAgo: new Date(todayStart(now) - 7 * DAY).toISOString(), children: children.length > 0 });
      if (!fresh(gen)) return;
      today = new Map((data.today ?? []).map((row) => [row.unit?.code, row.count]));
      week = new Map((data.week ?? []).map((row) => [row.unit?.code, row.count]));
      types = new Map(data.types.map((row) => [row.type, row.count]));
      const live = stream.filter((item) => !data.recent.edges.some((edge) => edge.node.id === item.id));
      stream = [...live, ...data.recent.edges.map((edge) => edge.node)].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt)).slice(0, cap);
      drawAlerts();
    } catch (error) {
      if (fresh(gen)) byId('stream').replaceChildren(el('li', { class: 'empty', text: words(error) }));
    }
  }

  function onAlert({ alertRaised: alert }) {
    if (stream.some((item) => item.id === alert.id)) return;
    stream.unshift(alert);
    if (stream.length > cap) stream.length = cap;
    if (Date.parse(alert.occurredAt) >= todayStart()) {
      const child = children.find((c) => within(alert.unit.path, c.path));
      if (child) today.set(child.code, (today.get(child.code) ?? 0) + 1);
      types.set(alert.type, (types.get(alert.type) ?? 0) + 1);
    }
    drawAlertsSoon();
  }

  const drawAlertsSoon = throttle(() => drawAlerts(), 250);

  function drawAlerts() {
    byId('stream').replaceChildren(...stream.map(alertItem));
    byId('stream').dataset.count = String(stream.length);
    const rows = children.map((c) => ({ code: c.code, name: c.name, today: today.get(c.code) ?? 0, mean: (week.get(c.code) ?? 0) / 7 }));
    if (rows.length > 0) drawChildCounts(byId('chart-children'), rows);
    else byId('chart-children').replaceChildren(el('p', { class: 'empty', text: '本级为最小单元' }));
    drawRanking(byId('chart-types'), [...types].filter(([, n]) => n > 0).map(([type, value]) => ({ name: L.alertTypes[type] ?? type, value })), '#3ba0ff');
    drawUnitTiles(byId('unit-tiles'), rows, onDrill);
    const total = [...types.values()].reduce((a, b) => a + b, 0);
    byId('alerts-today').textContent = String(total);
    byId('alerts-critical').textContent = String(stream.filter((a) => a.severity === 'CRITICAL' && a.status === 'OPEN').length);
    redrawMap();
  }

  /** The alert's units below this board's unit: 曙光社区 › 互敬网格. */
  function pathText(alertUnit) {
    const names = [];
    for (let node = alertUnit; node && node.code !== unit.code; node = node.parent) names.unshift(node.name);
    return names.length > 0 ? names.join(' › ') : alertUnit.name;
  }

  function alertItem(alert) {
    const open = alert.status === 'OPEN';
    const action = alert.canAcknowledge
      ? el('button', { type: 'button', class: 'ack', data: { action: 'acknowledge' }, text: '确认', on: { click: (event) => acknowledge(alert, event.currentTarget) } })
      : el('span', { class: 'status', text: open ? '待处理' : '已确认' });
    return el(
      'li',
      { class: `alert sev-${alert.severity}${alert.severity === 'CRITICAL' && open ? ' critical-open' : ''}`, data: { alertId: alert.id, severity: alert.severity, status: alert.status } },
      el('span', { class: 'time', text: hhmm(alert.occurredAt) }),
      el('span', { class: 'badge', text: L.severities[alert.severity] ?? alert.severity }),
      el('span', { class: 'what' }, el('strong', { text: L.alertTypes[alert.type] ?? alert.type }), el('span', { class: 'where', text: pathText(alert.unit) })),
      action,
    );
  }

  async function acknowledge(alert, button) {
    button.disabled = true;
    try {
      const done = (await api.call(ACKNOWLEDGE, { id: alert.id })).acknowledgeAlert;
      Object.assign(alert, { status: done.status, canAcknowledge: done.canAcknowledge });
      problem(undefined);
    } catch (error) {
      problem(`确认失败：${error.message}`);
      button.disabled = false;
      return;
    }
    drawAlerts();
  }

  // ---- cases ------------------------------------------------------------------------------
  async function refreshCasesNow(gen = generation) {
    const now = Date.now();
    try {
      const data = await api.call(CASES, { unit: unit.code, weekAgo: new Date(now - 7 * DAY).toISOString(), now: new Date(now).toISOString() });
      if (!fresh(gen)) return;
      const open = data.byState.buckets.filter((b) => !CLOSED_STATES.has(b.keys.status));
      byId('cases-open').textContent = String(open.reduce((sum, b) => sum + b.count, 0));
      byId('cases-overdue').textContent = String(data.overdue.totalCount);
      byId('kpi-ontime').textContent = percent(data.kpis.onTimeClosureRate);
      byId('kpi-hours').textContent = hours(data.kpis.averageHandlingHours);
      drawRanking(byId('chart-cases'), open.map((b) => ({ name: L.caseStates[b.keys.status] ?? b.keys.status, value: b.count })), '#ffb020');
      byId('overdue-list').replaceChildren(
        ...data.overdue.edges.map(({ node }) =>
          el('li', { data: { caseId: node.id } }, el('span', { class: 'late', text: `超期${ago(node.deadlineAt)}` }), el('span', { class: 'what', text: node.title }), el('span', { class: 'where', text: node.assignee.name })),
        ),
      );
    } catch (error) {
      if (fresh(gen)) byId('overdue-list').replaceChildren(el('li', { class: 'empty', text: words(error) }));
    }
  }
  const refreshCases = debounce(() => refreshCasesNow());

  // ---- devices ----------------------------------------------------------------------------
  async function refreshDevicesNow(gen = generation) {
    try {
      const data = await api.call(DEVICES, { unit: unit.code });
      if (!fresh(gen)) return;
      const byType = new Map();
      const totals = { ONLINE: 0, OFFLINE: 0, FAULT: 0 };
      for (const bucket of data.byType.buckets) {
        const row = byType.get(bucket.keys.type) ?? { name: L.deviceTypes[bucket.keys.type] ?? bucket.keys.type, ONLINE: 0, OFFLINE: 0, FAULT: 0 };
        row[bucket.keys.status] = bucket.count;
        totals[bucket.keys.status] += bucket.count;
        byType.set(bucket.keys.type, row);
      }
      for (const status of DEVICE_STATUSES) byId(`devices-${status.toLowerCase()}`).textContent = String(totals[status]);
      drawDevices(byId('chart-devices'), [...byType.values()], L.deviceStatuses);
      // Longest silent first, sorted by the hub over every offline device in the unit.
      byId('silent-list').replaceChildren(
        ...data.silent.map((d) => el('li', { data: { deviceId: d.id } }, el('span', { class: 'late', text: d.lastHeartbeatAt ? `静默${ago(d.lastHeartbeatAt)}` : '从未上线' }), el('span', { class: 'what', text: d.name }), el('span', { class: 'where', text: d.unit.name }))),
      );
      devicePoints = [...data.offline.edges, ...data.faults.edges].map((e) => e.node).filter((d) => d.location);
      redrawMap();
    } catch (error) {
      if (fresh(gen)) byId('silent-list').replaceChildren(el('li', { class: 'empty', text: words(error) }));
    }
  }
  const refreshDevices = debounce(() => refreshDevicesNow());

  // ---- residents' requests ----------------------------------------------------------------
  async function refreshRequestsNow(gen = generation) {
    try {
      const data = await api.call(REQUESTS, { unit: unit.code, today: new Date(todayStart()).toISOString() });
      if (!fresh(gen)) return;
      byId('requests-today').textContent = String(data.today.total);
      byId('requests-list').replaceChildren(
        ...data.latest.edges.map(({ node }) =>
          el(
            'li',
            { data: { requestId: node.id } },
            el('span', { class: 'time', text: hhmm(node.submittedAt) }),
            el('span', { class: 'badge', text: L.requestCategories[node.category] ?? node.category }),
            el('span', { class: 'what', text: node.text.length > 26 ? `${node.text.slice(0, 26)}…` : node.text }),
            el('span', { class: 'where', text: `${node.contactName ?? ''} · ${node.unit.name} · ${L.requestStatuses[node.status] ?? node.status}` }),
          ),
        ),
      );
    } catch (error) {
      if (fresh(gen)) byId('requests-list').replaceChildren(el('li', { class: 'empty', text: words(error) }));
    }
  }
  const refreshRequests = debounce(() => refreshRequestsNow());

  // ---- map --------------------------------------------------------------------------------
  function redrawMap() {
    const container = byId('point-map');
    if (!container || !unit) return;
    const since = todayStart();
    const alerts = stream.filter((a) => a.location && Date.parse(a.occurredAt) >= since).map((a) => ({ ...a.location, kind: 'alert', level: a.severity, title: `${L.alertTypes[a.type]} · ${a.unit.name}` }));
    const devices = devicePoints.map((d) => ({ ...d.location, kind: 'device', level: d.status, title: `${L.deviceTypes[d.type]} · ${L.deviceStatuses[d.status]}` }));
    drawPointMap(container, [...devices, ...alerts], page.tileUrl);
  }

  // ---- the connection ---------------------------------------------------------------------
  // Back after a drop, each feed resumes from the last cursor it saw: the hub replays what was
  // committed meanwhile, once, and the panels take it as they take live events. Only a feed that
  // cannot resume has its panel refetched (lost).
  function connection({ up }) {
    const node = byId('connection');
    if (!node) return;
    node.textContent = up ? '实时连接正常' : '连接中断，正在重连…';
    node.dataset.up = String(up);
    delete node.dataset.reloaded;
    byId('stale').hidden = up;
    byId('board').dataset.live = up ? 'up' : 'down';
  }

  /**
   * A feed resumed without the events of the gap: its cursor had expired (older than the hub's
   * replay window), or the drop came before it had one. Its panel is fetched again.
   */
  function lost(gen, reason, refetch) {
    if (!fresh(gen)) return;
    if (reason === 'expired') {
      const node = byId('connection');
      node.textContent = '实时连接正常 · 断线过久，已重新加载';
      node.dataset.reloaded = 'true';
    }
    void refetch();
  }

  function stop() {
    generation++;
    clearInterval(clock);
    for (const end of unsubscribe) end();
    unsubscribe = [];
  }

  return { open, stop, connection, redrawMap };
}

/** Runs `fn` 400 ms after the last call: a burst of changes costs one refetch. */
function debounce(fn) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, 400);
  };
}
