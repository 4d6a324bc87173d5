// complaint-stats.html: the three rates (响应率, 解决率, 满意率) of a unit and
// of each unit under it, and the complaints received per day, for a date
// range. Every chart has a plain table beside it with the same numbers (for
// screen readers, and for phones where the chart is too small); ECharts is
// loaded only after the tables are on the screen.
import { api, ApiError, auth } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, showState, showContent, stateButton, loadmore, errorState, todayLocal, dateRange, UNIT_KINDS,
} from './ui.js';
import { C_STATUS, plain } from './complaint-kit.js';

const here = location.pathname + location.search;
const ECHARTS = '/vendor/echarts/echarts.esm.min.js';
const RATES = [
  ['response_rate', '响应率', '#07c160'],
  ['resolution_rate', '解决率', '#10aeff'],
  ['satisfaction_rate', '满意率', '#fa9d3b'],
];
let seq = 0;
let charts = [];

// A child's unit: {unit: {id, name, kind}, …} in the brief, the unit's
// fields beside its numbers in the first cut of the API.
function unitOf(k) {
  return (k && k.unit) || k || {};
}

function pct(v) {
  return typeof v === 'number' ? `${Math.round(v * 1000) / 10}%` : '—';
}

function minutes(v) {
  if (typeof v !== 'number') return '—';
  if (v < 60) return `${Math.round(v)} 分钟`;
  if (v < 1440) return `${Math.round(v / 6) / 10} 小时`;
  return `${Math.round(v / 144) / 10} 天`;
}

function shiftDays(ymd, days) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function params() {
  const q = new URLSearchParams(location.search);
  const to = /^\d{4}-\d{2}-\d{2}$/.test(q.get('to') || '') ? q.get('to') : todayLocal();
  const from = /^\d{4}-\d{2}-\d{2}$/.test(q.get('from') || '') ? q.get('from') : shiftDays(to, -29);
  return { unit: /^\d+$/.test(q.get('unit') || '') ? q.get('unit') : '', from, to };
}

function go(p) {
  const q = new URLSearchParams();
  if (p.unit) q.set('unit', p.unit);
  q.set('from', p.from);
  q.set('to', p.to);
  history.replaceState(null, '', `?${q}`);
  load();
}

function table(caption, head, rows, id) {
  return el('div', 'huzu-table-wrap',
    el('table', { class: 'huzu-table', id },
      el('caption', '', caption),
      el('thead', '', el('tr', '', ...head.map((h, i) => el('th', { scope: 'col', class: i ? 'huzu-num' : '' }, h)))),
      el('tbody', '', ...rows.map((r) => el('tr', '', ...r.map((c, i) => (i === 0
        ? el('th', { scope: 'row' }, c)
        : el('td', 'huzu-num', c))))))));
}

function tiles(s) {
  const t = (label, value, id) => el('div', { class: 'huzu-tile', id }, el('strong', '', value), el('span', '', label));
  return el('div', 'huzu-tiles',
    t('收到诉求', String(s.received ?? 0), 'tile-received'),
    t('响应率', pct(s.response_rate), 'tile-response'),
    t('解决率', pct(s.resolution_rate), 'tile-resolution'),
    t('满意率', pct(s.satisfaction_rate), 'tile-satisfaction'),
    t('受理用时（中位数）', minutes(s.median_accept_minutes), 'tile-accept'),
    t('办结用时（中位数）', minutes(s.median_resolve_minutes), 'tile-resolve'));
}

function section(title, desc, ...children) {
  return el('section', 'huzu-card huzu-stats-section',
    el('h2', 'huzu-section-title', title), desc ? el('p', 'huzu-stats-desc', desc) : null, ...children);
}

function render(s, p) {
  const kids = Array.isArray(s.children) ? s.children : [];
  // by_day in the brief, per_day in the first cut of the API.
  const perDay = s.by_day || s.per_day;
  const days = Array.isArray(perDay) ? perDay : [];
  const busyDays = days.filter((d) => d.count > 0);
  const cats = Array.isArray(s.by_category) ? s.by_category : [];
  const states = s.by_status && typeof s.by_status === 'object' ? Object.entries(s.by_status) : [];
  const childRows = kids.map((k) => [
    unitOf(k).name || '', String(k.received ?? 0), pct(k.response_rate), pct(k.resolution_rate), pct(k.satisfaction_rate),
  ]);
  const parts = [
    tiles(s),
    el('p', 'huzu-stats-desc huzu-stats-note', '响应率：按期受理的占比；解决率：已办结的占比；满意率：（满意 + 0.9 × 基本满意）÷ 评价数。'),
  ];
  if (kids.length) {
    parts.push(section(`各${UNIT_KINDS[unitOf(kids[0]).kind] || '下级单位'}的三率`, '点单位名称可查看它下面的情况',
      el('div', { class: 'huzu-chart', id: 'chart-rates', role: 'img', 'aria-label': '各单位三率柱状图，数据见下表' }),
      table('各单位三率', ['单位', '收到', '响应率', '解决率', '满意率'], childRows, 'table-rates')));
  }
  parts.push(section('每天收到的诉求', `${p.from} 至 ${p.to}`,
    el('div', { class: 'huzu-chart', id: 'chart-days', role: 'img', 'aria-label': '每天收到诉求数的柱状图，数据见下表' }),
    busyDays.length
      ? table('每天收到的诉求', ['日期', '诉求数'], busyDays.map((d) => [d.date, String(d.count)]), 'table-days')
      : el('p', 'huzu-stats-desc', '这段时间没有收到诉求'),
    busyDays.length && busyDays.length < days.length
      ? el('p', 'huzu-stats-desc huzu-stats-after', '表中只列出有诉求的日期，其余日期为 0')
      : null));
  if (cats.length) {
    parts.push(section('按类型', '', table('按类型', ['类型', '诉求数'], cats.map((c) => [c.name || c.code, String(c.count)]), 'table-cats')));
  }
  if (states.length) {
    parts.push(section('按状态', '', table('按状态', ['状态', '诉求数'], states.map(([k, v]) => [(C_STATUS[k] || {}).text || k, String(v)]), 'table-status')));
  }
  $('stats-body').replaceChildren(...parts);
  // Unit names in the table drill down.
  const rows = $('table-rates')?.querySelectorAll('tbody th') || [];
  rows.forEach((th, i) => {
    const u = unitOf(kids[i]);
    if (!u.id || u.kind === 'building') return;
    const a = el('a', { class: 'huzu-drill', href: `?unit=${encodeURIComponent(u.id)}&from=${p.from}&to=${p.to}` }, u.name);
    a.addEventListener('click', (ev) => { ev.preventDefault(); go({ ...p, unit: String(u.id) }); });
    th.replaceChildren(a);
  });
  drawCharts(kids, days);
}

async function drawCharts(kids, days) {
  for (const c of charts) c.dispose();
  charts = [];
  let echarts;
  try {
    echarts = await import(ECHARTS);
  } catch {
    for (const n of document.querySelectorAll('.huzu-chart')) n.hidden = true;
    return;
  }
  const base = { textStyle: { fontSize: 13 }, animation: false, grid: { left: 40, right: 12, top: 36, bottom: 56 } };
  const rates = $('chart-rates');
  if (rates && kids.length) {
    const c = echarts.init(rates, null, { renderer: 'canvas' });
    c.setOption({
      ...base,
      legend: { top: 0, itemGap: 12 },
      tooltip: { trigger: 'axis', valueFormatter: (v) => (v == null ? '—' : `${v}%`) },
      xAxis: { type: 'category', data: kids.map((k) => unitOf(k).name || ''), axisLabel: { interval: 0, rotate: kids.length > 3 ? 30 : 0 } },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: RATES.map(([key, name, color]) => ({
        type: 'bar', name, itemStyle: { color },
        data: kids.map((k) => (typeof k[key] === 'number' ? Math.round(k[key] * 1000) / 10 : null)),
      })),
    });
    charts.push(c);
  }
  const dayNode = $('chart-days');
  if (dayNode && days.some((d) => d.count > 0)) {
    const c = echarts.init(dayNode, null, { renderer: 'canvas' });
    c.setOption({
      ...base,
      grid: { ...base.grid, top: 16 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: days.map((d) => d.date.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: '诉求数', itemStyle: { color: '#10aeff' }, data: days.map((d) => d.count) }],
    });
    charts.push(c);
  } else if (dayNode) {
    dayNode.hidden = true;
  }
}

window.addEventListener('resize', () => { for (const c of charts) c.resize(); });

async function load() {
  const my = ++seq;
  const p = params();
  $('f-from').value = p.from;
  $('f-to').value = p.to;
  if ($('f-unit').querySelector(`option[value="${p.unit}"]`)) $('f-unit').value = p.unit;
  $('stats-body').replaceChildren(loadmore('正在统计', { loading: true }));
  const q = new URLSearchParams({ from: p.from, to: p.to });
  if (p.unit) q.set('unit', p.unit);
  try {
    const s = await api.get(`/stats/complaints?${q}`);
    if (my !== seq) return;
    if (s.unit && s.unit.id && !$('f-unit').querySelector(`option[value="${s.unit.id}"]`)) {
      $('f-unit').append(el('option', { value: String(s.unit.id) }, `${s.unit.name}（${UNIT_KINDS[s.unit.kind] || ''}）`));
    }
    if (s.unit && s.unit.id) $('f-unit').value = String(s.unit.id);
    $('stats-who').textContent = s.unit ? `${s.unit.name} · ${p.from} 至 ${p.to}` : `${p.from} 至 ${p.to}`;
    render(s, p);
  } catch (err) {
    if (my !== seq) return;
    const e = plain(err);
    if (e.status === 422 && e.fields && (e.fields.from || e.fields.to)) {
      $('err-range').textContent = e.fields.from || e.fields.to;
      $('err-range').hidden = false;
    }
    $('stats-body').replaceChildren(errorState(e, () => load()));
  }
}

$('f-unit').addEventListener('change', () => go({ ...params(), unit: $('f-unit').value }));
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

async function start() {
  if (!auth.loggedIn) {
    showState({ icon: 'weui-icon-info', title: '请先登录', desc: '诉求统计供工作人员查看',
      buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'stats-login' })] });
    return;
  }
  try {
    const me = await api.get('/me');
    if (!me || !me.user || me.user.kind !== 'staff') {
      showState({ icon: 'weui-icon-info', title: '仅供工作人员查看', desc: '您反映的问题可以在「我的诉求」里查看办理进度',
        buttons: [stateButton('我的诉求', { href: '/complaints.html', primary: true })] });
      return;
    }
    const seen = new Set();
    const opts = [];
    for (const r of Array.isArray(me.roles) ? me.roles : []) {
      if (!r.unit || seen.has(r.unit.id) || r.role === 'station_manager') continue;
      seen.add(r.unit.id);
      opts.push(el('option', { value: String(r.unit.id) }, `${r.unit.name}（${UNIT_KINDS[r.unit.kind] || ''}）`));
    }
    $('f-unit').replaceChildren(...opts);
    showContent();
    await load();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      showState({ icon: 'weui-icon-info', title: '登录已过期', desc: '请重新登录后查看',
        buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'stats-login' })] });
      return;
    }
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
      buttons: [stateButton('重试', { onClick: () => start(), primary: true })] });
  }
}

start();
