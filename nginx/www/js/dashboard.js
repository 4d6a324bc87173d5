// dashboard.html?unit=&from=&to=, 数据看板 for cadres and admins: a unit's
// figures (renters, this week's check-ins and patrols, complaints with the
// three rates, this month's checklists, directive read and done rates,
// volunteer hours) as cards, each child unit in a table that drills down,
// a breadcrumb back up, charts beside the table (ECharts, loaded only
// after the numbers are on the screen, as on complaint-stats.html), and
// the same rows as a CSV fetched with the bearer token.
import { api, ApiError, auth, files } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, showState, showContent, stateButton, loadmore, errorState, todayLocal, dateRange, UNIT_KINDS,
  setBusy, showError, toast,
} from './ui.js';

const ECHARTS = '/vendor/echarts/echarts.esm.min.js';
const DASH_ROLES = ['cadre', 'admin'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const here = () => location.pathname + location.search;

let seq = 0;
let charts = [];
let roots = new Set();     // the caller's dashboard units (cadre, admin roles)
let current = null;        // the answer on the screen
const units = new Map();   // id → {id, name, kind, parent_id}: the breadcrumb's cache

// ---- Numbers ------------------------------------------------------------------------

const int = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : 0);
const pct = (v) => (typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 1000) / 10}%` : '—');
const pctNum = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1000) / 10 : null);
const hours = (m) => `${Math.round(int(m) / 6) / 10}`;
const ymd = (v) => (typeof v === 'string' ? v.slice(0, 10) : '');

// "2026-11-03 至 2026-12-02", each date kept on one line.
const rangeOf = (d) => [el('span', 'huzu-nobr', ymd(d.from)), ' 至 ', el('span', 'huzu-nobr', ymd(d.to))];

function shiftDays(d, days) {
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return t.toISOString().slice(0, 10);
}

function monthName(m) {
  const r = /^(\d{4})-(\d{2})$/.exec(m || '');
  return r ? `${Number(r[1])}年${Number(r[2])}月` : '本月';
}

// ---- The address bar: ?unit=&from=&to= ------------------------------------------------

function params() {
  const q = new URLSearchParams(location.search);
  const pick = (k) => (DATE_RE.test(q.get(k) || '') ? q.get(k) : '');
  return { unit: /^\d+$/.test(q.get('unit') || '') ? q.get('unit') : '', from: pick('from'), to: pick('to') };
}

function query(p) {
  const q = new URLSearchParams();
  if (p.unit) q.set('unit', p.unit);
  if (p.from) q.set('from', p.from);
  if (p.to) q.set('to', p.to);
  return q;
}

function hrefOf(p) {
  const q = query(p).toString();
  return q ? `?${q}` : location.pathname;
}

function go(p, { push = false } = {}) {
  history[push ? 'pushState' : 'replaceState'](null, '', hrefOf(p));
  load();
}

// A link that drills to another unit with the same dates, in place.
function unitLink(u, cls, text) {
  const p = { ...params(), unit: String(u.id) };
  const a = el('a', { class: cls, href: hrefOf(p), 'data-unit': String(u.id) }, text);
  a.addEventListener('click', (ev) => {
    if (ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    ev.preventDefault();
    go(p, { push: true });
  });
  return a;
}

// ---- Gates --------------------------------------------------------------------------

function loginGate(title) {
  showState({ icon: 'weui-icon-info', title, desc: '数据看板供经济社干部和联社党委查看，请用工作人员账号登录',
    buttons: [stateButton('工作人员登录', { href: `${loginHref(here())}#staff`, primary: true, id: 'dash-login' })] });
}

// A building head, a group leader, a station manager or a resident.
function refuse(me) {
  const roles = Array.isArray(me && me.roles) ? me.roles.map((r) => r.role) : [];
  const staff = me && me.user && me.user.kind === 'staff';
  const head = roles.includes('building_head') || roles.includes('group_leader');
  $('dash-who').textContent = '';
  showState({
    icon: 'weui-icon-info',
    title: '数据看板仅供经济社干部和联社党委查看',
    desc: !staff ? '您是住户：居住登记、反映问题和志愿服务都在首页办理。'
      : head ? '您的待审登记、通知、月度清单和诉求都在「今日待办」里；如需查看统计，请联系经济社。'
        : '您的账号没有查看数据看板的职务；如需查看，请联系联社党委管理员。',
    buttons: [
      staff && head ? stateButton('今日待办', { href: '/todo.html', primary: true, id: 'dash-todo' }) : null,
      stateButton('返回首页', { href: '/', primary: !(staff && head), id: 'dash-home' }),
    ],
  });
}

// ---- Breadcrumb --------------------------------------------------------------------------

async function unitInfo(id) {
  const key = String(id);
  if (units.has(key) && units.get(key).parent_id !== undefined) return units.get(key);
  const u = await api.get(`/units/${encodeURIComponent(key)}`);
  const info = { id: u.id, name: u.name, kind: u.kind, parent_id: u.parent_id ?? null };
  units.set(key, info);
  return info;
}

// From the caller's own unit down to u; a unit above the caller's scope
// is not shown (the API answers 404 for it, and the page stops there).
async function chainOf(u) {
  const chain = [u];
  let cur = u;
  for (let i = 0; i < 8 && !roots.has(String(cur.id)); i++) {
    let info;
    try {
      info = await unitInfo(cur.id);
      if (!info.parent_id) break;
      cur = await unitInfo(info.parent_id);
    } catch {
      break;
    }
    chain.unshift(cur);
  }
  return chain;
}

async function renderCrumbs(d, my) {
  const chain = await chainOf(d.unit);
  if (my !== seq) return;
  const list = $('dash-crumb-list');
  list.replaceChildren(...chain.map((u, i) => el('li', 'huzu-crumbs__item', i === chain.length - 1
    ? el('span', { class: 'huzu-crumbs__here', 'aria-current': 'page' }, u.name)
    : unitLink(u, 'huzu-crumbs__link', u.name))));
  $('dash-crumbs').hidden = chain.length < 2;
}

// ---- Cards -------------------------------------------------------------------------------

function tile(id, label, value, { sub = '', tone = '' } = {}) {
  return el('div', { class: `huzu-tile${tone ? ` huzu-tile_${tone}` : ''}`, id },
    el('strong', '', value), el('span', '', label), sub ? el('small', '', sub) : null);
}

function group(title, period, ...tiles) {
  return el('section', 'huzu-dash-group',
    el('h2', 'huzu-dash-group__title', title, period ? el('span', 'huzu-dash-group__period', ...[].concat(period)) : null),
    el('div', 'huzu-tiles', ...tiles));
}

function cards(d) {
  const t = d.total || {};
  const r = t.renters || {};
  const c = t.checkins || {};
  const cp = t.complaints || {};
  const cl = t.checklist || {};
  const dr = t.directives || {};
  const week = d.week && d.week.from ? `${ymd(d.week.from).slice(5)} 至 ${ymd(d.week.to).slice(5)}` : '本周';
  return el('div', { class: 'huzu-dash-cards', id: 'dash-cards' },
    group('居住登记', '当前',
      tile('card-renters-active', '在住人员', String(int(r.active))),
      tile('card-renters-pending', '待审核', String(int(r.pending))),
      tile('card-renters-overdue', '超时未审', String(int(r.overdue)), { tone: int(r.overdue) ? 'warn' : '' })),
    group('打卡巡查', `本周 ${week}`,
      tile('card-checkins-residence', '住户打卡', String(int(c.residence))),
      tile('card-checkins-patrol', '巡查打卡', String(int(c.patrol)))),
    group('诉求', rangeOf(d),
      tile('card-complaints-received', '收到诉求', String(int(cp.received))),
      tile('card-complaints-resolved', '已办结', String(int(cp.resolved))),
      tile('card-complaints-response', '响应率', pct(cp.response_rate)),
      tile('card-complaints-resolution', '解决率', pct(cp.resolution_rate)),
      tile('card-complaints-satisfaction', '满意率', pct(cp.satisfaction_rate))),
    group('月度清单', monthName(d.month),
      tile('card-checklist-completed', '已完成 / 清单数', `${int(cl.completed)} / ${int(cl.lists)}`),
      tile('card-checklist-rate', '完成率', pct(cl.rate))),
    group('通知', rangeOf(d),
      tile('card-directives-read', '已读率', pct(dr.read_rate), { sub: `${int(dr.read)} / ${int(dr.receipts)} 人` }),
      tile('card-directives-done', '完成率', pct(dr.done_rate), { sub: `${int(dr.done)} / ${int(dr.needs_done ?? dr.receipts)} 人` })),
    group('志愿服务', monthName(d.month),
      tile('card-volunteer-hours', '时长（小时）', hours(t.volunteer_minutes))));
}

// ---- The child units' table ------------------------------------------------------------------

const COLUMNS = [
  ['在住', (k) => String(int(k.renters?.active))],
  ['待审', (k) => String(int(k.renters?.pending))],
  ['超时未审', (k) => String(int(k.renters?.overdue))],
  ['住户打卡', (k) => String(int(k.checkins?.residence))],
  ['巡查', (k) => String(int(k.checkins?.patrol))],
  ['收到诉求', (k) => String(int(k.complaints?.received))],
  ['办结', (k) => String(int(k.complaints?.resolved))],
  ['响应率', (k) => pct(k.complaints?.response_rate)],
  ['解决率', (k) => pct(k.complaints?.resolution_rate)],
  ['满意率', (k) => pct(k.complaints?.satisfaction_rate)],
  ['清单完成', (k) => `${int(k.checklist?.completed)}/${int(k.checklist?.lists)}`],
  ['通知已读率', (k) => pct(k.directives?.read_rate)],
  ['通知完成率', (k) => pct(k.directives?.done_rate)],
  ['志愿时长（小时）', (k) => hours(k.volunteer_minutes)],
];

const titled = (node, title) => { node.title = title; return node; };

function childTable(d, kids) {
  const kind = UNIT_KINDS[(kids[0] && kids[0].unit && kids[0].unit.kind) || ''] || '下级单位';
  const row = (k, head) => el('tr', { id: head ? 'dash-total-row' : `child-${k.unit.id}` },
    el('th', { scope: 'row' }, head || titled(unitLink(k.unit, 'huzu-drill', k.unit.name || ''), k.unit.name || '')),
    ...COLUMNS.map(([, f]) => el('td', 'huzu-num', f(k))));
  return el('section', 'huzu-card huzu-dash-section',
    el('h2', 'huzu-section-title', `各${kind}`),
    el('p', 'huzu-stats-desc', '点单位名称可查看它下面的情况；表格可左右滑动'),
    el('div', { class: 'huzu-table-wrap', tabindex: '0', role: 'region', 'aria-label': `各${kind}的数字` },
      el('table', { class: 'huzu-table huzu-dash-table', id: 'dash-children' },
        el('caption', '', `各${kind}的数字`),
        el('thead', '', el('tr', '', el('th', { scope: 'col' }, kind), ...COLUMNS.map(([h]) => el('th', { scope: 'col', class: 'huzu-num' }, h)))),
        el('tbody', '', ...kids.map((k) => row(k))),
        el('tfoot', '', row(d.total || {}, `合计 · ${d.unit.name}`)))));
}

// The charts' colours and series, one legend each: the legend is HTML
// above the chart (it wraps on a narrow phone instead of running into
// the axis).
const CHARTS = {
  'chart-renters': [['在住', '#10aeff', (k) => int(k.renters?.active)], ['待审核', '#fa9d3b', (k) => int(k.renters?.pending)]],
  'chart-rates': [
    ['响应率', '#07c160', (k) => pctNum(k.complaints?.response_rate)],
    ['解决率', '#10aeff', (k) => pctNum(k.complaints?.resolution_rate)],
    ['满意率', '#fa9d3b', (k) => pctNum(k.complaints?.satisfaction_rate)]],
  'chart-work': [
    ['清单完成率', '#c8102e', (k) => pctNum(k.checklist?.rate)],
    ['通知已读率', '#10aeff', (k) => pctNum(k.directives?.read_rate)],
    ['通知完成率', '#07c160', (k) => pctNum(k.directives?.done_rate)]],
};

function chartSection(id, title, desc, empty = '') {
  const legend = el('ul', { class: 'huzu-chart-legend', 'aria-hidden': 'true' },
    ...CHARTS[id].map(([name, color]) => {
      const dot = el('i', '');
      dot.style.backgroundColor = color; // CSSOM: the CSP refuses style attributes
      return el('li', '', dot, name);
    }));
  return el('section', 'huzu-card huzu-dash-section huzu-dash-chart',
    el('h2', 'huzu-section-title', title),
    el('p', 'huzu-stats-desc', ...[].concat(desc)),
    empty ? el('p', { class: 'huzu-chart-empty', id: `${id}-empty` }, empty) : legend,
    empty ? null : el('div', { class: 'huzu-chart', id, role: 'img', 'aria-label': `${title}条形图，数字见下面的表格` }));
}

// A short label for the axis (the full name is in the tooltip): what the
// names share is dropped ("石马桥东一巷1号楼", "石马桥东二巷1号楼" → "一巷1号楼",
// "二巷1号楼"); what is still long keeps a building's door number (its
// end) or a unit's first words.
function shortNames(kids) {
  const names = kids.map((k) => [...(k.unit.name || '')]);
  let common = 0;
  if (names.length > 1) {
    const min = Math.min(...names.map((n) => n.length));
    while (common < min - 1 && names.every((n) => n[common] === names[0][common])) common++;
  }
  return names.map((n, i) => {
    const rest = n.slice(common);
    if (rest.length <= 7) return rest.join('');
    return kids[i].unit.kind === 'building' ? `…${rest.slice(-6).join('')}` : `${rest.slice(0, 6).join('')}…`;
  });
}

const esc = (t) => String(t).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function render(d, p) {
  const kids = (Array.isArray(d.children) ? d.children : []).filter((k) => k && k.unit && k.unit.id);
  for (const k of kids) {
    const key = String(k.unit.id);
    if (!units.has(key)) units.set(key, { ...k.unit, parent_id: d.unit.id });
  }
  $('dash-title').textContent = `数据看板 · ${d.unit.name}`;
  $('dash-who').replaceChildren(`${UNIT_KINDS[d.unit.kind] || ''} · 诉求和通知：`, ...rangeOf(d));
  document.title = `户组 · 数据看板 · ${d.unit.name}`;
  $('f-from').value = ymd(d.from) || p.from;
  $('f-to').value = ymd(d.to) || p.to;
  const parts = [cards(d)];
  if (kids.length) {
    const noRates = kids.every((k) => CHARTS['chart-rates'].every(([, , f]) => f(k) == null));
    parts.push(el('div', 'huzu-dash-charts',
      chartSection('chart-renters', '在住与待审', '各单位在住人员和待审核登记'),
      chartSection('chart-rates', '诉求三率', ['响应率、解决率、满意率（', ...rangeOf(d), '）'], noRates ? '这段时间没有诉求，暂无三率' : ''),
      chartSection('chart-work', '清单与通知', `${monthName(d.month)}清单完成率，通知已读率、完成率`)));
    parts.push(childTable(d, kids));
  } else {
    parts.push(el('p', 'huzu-stats-desc huzu-dash-note', '这里没有下级单位。'));
  }
  parts.push(el('p', 'huzu-stats-desc huzu-dash-note',
    '响应率：按期受理的占比；解决率：已办结的占比；满意率：（满意 + 0.9 × 基本满意）÷ 评价数；没有可计算的数时显示“—”。'));
  $('dash-body').replaceChildren(...parts);
  drawCharts(kids);
}

async function drawCharts(kids) {
  for (const c of charts) c.dispose();
  charts = [];
  if (!kids.length) return;
  let echarts;
  try {
    echarts = await import(ECHARTS);
  } catch {
    for (const n of document.querySelectorAll('.huzu-dash-chart')) n.hidden = true;
    return;
  }
  // Horizontal bars: a row per unit, however many, each ~28 px high.
  const names = kids.map((k) => k.unit.name || '');
  const short = shortNames(kids);
  const fmt = (v, unit) => (v == null ? '—' : `${v}${unit}`);
  const draw = (id, { stack = '', unit = '', max } = {}) => {
    const node = $(id);
    if (!node) return;
    const series = CHARTS[id];
    const row = stack ? 28 : 12 * series.length + 10;
    node.style.height = `${Math.max(140, kids.length * row + 40)}px`;
    const c = echarts.init(node, null, { renderer: 'canvas' });
    c.setOption({
      textStyle: { fontSize: 13 },
      animation: false,
      legend: { show: false },
      grid: { left: 4, right: 20, top: 28, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        confine: true,
        formatter: (ps) => {
          const list = Array.isArray(ps) ? ps : [ps];
          const i = list.length ? list[0].dataIndex : 0;
          return [`<b>${esc(names[i])}</b>`, ...list.map((p) => `${p.marker}${esc(p.seriesName)}：${esc(fmt(p.value, unit))}`)].join('<br>');
        },
      },
      xAxis: { type: 'value', position: 'top', max, minInterval: 1, axisLabel: { formatter: `{value}${unit}`, fontSize: 12 } },
      yAxis: { type: 'category', inverse: true, data: short, axisTick: { show: false }, axisLabel: { interval: 0, fontSize: 13, color: '#333' } },
      series: series.map(([name, color, f]) => ({
        type: 'bar', name, stack: stack || undefined, itemStyle: { color }, barMaxWidth: 18, data: kids.map(f),
      })),
    });
    charts.push(c);
  };
  draw('chart-renters', { stack: 'r' });
  draw('chart-rates', { unit: '%', max: 100 });
  draw('chart-work', { unit: '%', max: 100 });
}

window.addEventListener('resize', () => { for (const c of charts) c.resize(); });

// ---- Loading -------------------------------------------------------------------------------

function notFound() {
  $('dash-crumbs').hidden = true;
  const home = stateButton('查看我的数据看板', { href: location.pathname, primary: true, id: 'dash-own' });
  $('dash-body').replaceChildren(el('div', 'huzu-empty',
    el('p', 'huzu-empty__title', '找不到这个单位'),
    el('p', 'huzu-empty__desc', '它不存在，或不在您的管辖范围内。请从您自己的数据看板逐级查看。'), home));
}

async function load() {
  const my = ++seq;
  const p = params();
  $('err-range').hidden = true;
  if (p.from) $('f-from').value = p.from;
  if (p.to) $('f-to').value = p.to;
  $('dash-body').replaceChildren(loadmore('正在统计', { loading: true }));
  try {
    const d = await api.get(`/dashboard?${query(p)}`);
    if (my !== seq) return;
    if (!d || !d.unit || !d.unit.id) throw new ApiError({ code: 'bad_response', message: '服务器返回了无法识别的内容，请稍后重试' });
    current = { d, p };
    render(d, p);
    renderCrumbs(d, my);
  } catch (err) {
    if (my !== seq) return;
    current = null;
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) { loginGate('登录已过期'); return; }
    if (e.status === 403) { refuse(await api.get('/me').catch(() => null)); return; }
    if (e.status === 404 && e.code === 'not_found') { notFound(); return; }
    if (e.status === 422 && e.fields && (e.fields.from || e.fields.to)) {
      $('err-range').textContent = e.fields.from || e.fields.to;
      $('err-range').hidden = false;
    }
    $('dash-body').replaceChildren(errorState(e, () => load()));
  }
}

for (const id of ['f-from', 'f-to']) {
  $(id).addEventListener('change', () => {
    const r = dateRange();
    if (r) go({ ...params(), ...r });
  });
}
for (const b of document.querySelectorAll('.huzu-range')) {
  b.addEventListener('click', () => {
    const to = todayLocal();
    go({ ...params(), from: shiftDays(to, 1 - Number(b.dataset.days)), to });
  });
}
$('dash-filter').addEventListener('submit', (ev) => ev.preventDefault());
window.addEventListener('popstate', () => load());

// The CSV needs the bearer token, so it is fetched and saved from a Blob.
$('dash-export').addEventListener('click', async () => {
  const button = $('dash-export');
  if (button.disabled) return;
  const r = dateRange();
  if (!r) return;
  const p = { ...params(), ...r };
  if (!p.unit && current) p.unit = String(current.d.unit.id);
  setBusy(button, true, '正在导出');
  try {
    const blob = await files.blob(`/api/v1/dashboard.csv?${query(p)}`);
    const url = URL.createObjectURL(blob);
    const name = current ? current.d.unit.name : p.unit;
    const a = el('a', { href: url, download: `数据看板-${name}-${p.from}至${p.to}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    toast('已导出');
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 422 && (e.fields.from || e.fields.to)) {
      $('err-range').textContent = e.fields.from || e.fields.to;
      $('err-range').hidden = false;
    } else {
      showError(e);
    }
  } finally {
    setBusy(button, false, '导出 CSV');
  }
});

async function start() {
  if (!auth.loggedIn) { loginGate('请先登录'); return; }
  let me;
  try {
    me = await api.get('/me');
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) { loginGate('登录已过期'); return; }
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message, requestId: e.requestId,
      buttons: [stateButton('重试', { onClick: () => start(), primary: true, id: 'dash-retry' })] });
    return;
  }
  const mine = (Array.isArray(me && me.roles) ? me.roles : []).filter((r) => DASH_ROLES.includes(r.role) && r.unit);
  if (!me || !me.user || me.user.kind !== 'staff' || mine.length === 0) {
    refuse(me);
    return;
  }
  roots = new Set(mine.map((r) => String(r.unit.id)));
  for (const r of mine) if (!units.has(String(r.unit.id))) units.set(String(r.unit.id), { ...r.unit });
  // Several units of one's own (a cadre of two cooperatives): each a link.
  if (roots.size > 1) {
    $('dash-roots').replaceChildren(el('span', 'huzu-dash-roots__label', '我的范围：'),
      ...[...roots].map((id) => unitLink(units.get(id), 'huzu-dash-roots__link', units.get(id).name)));
    $('dash-roots').hidden = false;
  }
  showContent();
  await load();
}

start();
