// The board's skeleton: a header (title, path, clock, connection, who is signed in), the stale
// banner, and three columns of panels. Laid out for 1920×1080 and scaled down by board.css.
import { el } from './dom.js';

function panel(id, title, ...body) {
  return el('section', { class: 'panel', id }, el('h2', { text: title }), ...body);
}

function figure(id, label) {
  return el('div', { class: 'figure' }, el('span', { class: 'figure-value', id, text: '–' }), el('span', { class: 'figure-label', text: label }));
}

export function buildLayout(root) {
  root.replaceChildren(
    el(
      'header',
      { class: 'board-header' },
      el('nav', { class: 'crumbs', id: 'crumbs', 'aria-label': '单位路径' }),
      el('h1', { id: 'title', text: '社会治理指挥中心' }),
      el('div', { class: 'header-side' }, el('span', { id: 'connection', class: 'connection', text: '连接中…' }), el('span', { id: 'clock', class: 'clock' }), el('span', { id: 'viewer', class: 'viewer' }), el('button', { type: 'button', id: 'sign-out', data: { action: 'sign-out' }, text: '退出' })),
    ),
    el('div', { id: 'stale', class: 'stale', role: 'alert', hidden: '', text: '数据可能已过期：实时连接已断开，正在重连…' }),
    el('div', { id: 'problem', class: 'problem', role: 'alert', hidden: '' }),
    el(
      'main',
      { class: 'columns' },
      el(
        'div',
        { class: 'column' },
        panel('alerts-panel', '实时告警', el('ol', { id: 'stream', class: 'stream', 'aria-live': 'polite' })),
        panel('types-panel', '今日告警类型', el('div', { id: 'chart-types', class: 'chart' })),
      ),
      el(
        'div',
        { class: 'column wide' },
        panel(
          'map-panel',
          '辖区态势',
          el('div', { class: 'map-body' }, el('div', { id: 'unit-tiles', class: 'unit-tiles' }), el('div', { id: 'point-map', class: 'point-map' })),
        ),
        panel('counts-panel', '今日告警（按下级单位，对比近7日日均）', el('div', { class: 'figures' }, figure('alerts-today', '今日告警'), figure('alerts-critical', '紧急未处理')), el('div', { id: 'chart-children', class: 'chart' })),
      ),
      el(
        'div',
        { class: 'column' },
        panel(
          'cases-panel',
          '案件办理',
          el('div', { class: 'figures' }, figure('cases-open', '在办案件'), figure('cases-overdue', '超期'), figure('kpi-ontime', '本周按期结案率'), figure('kpi-hours', '平均办理时长（小时）')),
          el('div', { class: 'split' }, el('div', { id: 'chart-cases', class: 'chart' }), el('ol', { id: 'overdue-list', class: 'list' })),
        ),
        panel('devices-panel', '物联设备', el('div', { class: 'figures' }, figure('devices-online', '在线'), figure('devices-offline', '离线'), figure('devices-fault', '故障')), el('div', { class: 'split' }, el('div', { id: 'chart-devices', class: 'chart' }), el('ol', { id: 'silent-list', class: 'list' }))),
        panel('residents-panel', '居民诉求', el('div', { class: 'figures' }, figure('requests-today', '今日诉求')), el('ol', { id: 'requests-list', class: 'list' })),
      ),
    ),
  );
}

/** The sign-in screen: the identity provider's button and, on the demo, its principals. */
export function buildSignIn(root, methods, principals, actions) {
  const select = el('select', { data: { role: 'demo-principal' } }, ...principals.map((p) => el('option', { value: p.name, text: `${p.displayName}（${p.unit ? p.unit.name : p.name}）` })));
  root.replaceChildren(
    el(
      'div',
      { class: 'sign-in-screen' },
      el('h1', { text: '社会治理指挥大屏' }),
      methods?.oidc ? el('button', { type: 'button', data: { action: 'sign-in' }, text: '统一身份认证登录', on: { click: actions.signIn } }) : null,
      principals.length > 0 ? el('div', { class: 'demo' }, el('label', { text: '演示账号：' }, select), el('button', { type: 'button', data: { action: 'demo-sign-in' }, text: '演示登录', on: { click: () => actions.demoSignIn(select.value) } })) : null,
      el('p', { class: 'error', data: { role: 'error' }, text: actions.error ?? '' }),
    ),
  );
}
