// my-shifts.html: 我的志愿. The caller's sign-ups (upcoming, then the
// history with check-in/out times and counted time), the hours in total,
// per station and per month (an ECharts bar chart of the last six months
// with the same numbers in a table), and why sign-up is paused, until when.
import { api, ApiError, auth, LOGOUT_EVENT } from './api.js';
import { loginHref } from './nav.js';
import { $, el, showState, showContent, stateButton, emptyState, setBusy, showError } from './ui.js';
import {
  shiftCard, hours, dayOf, past, today, requestIdButton, showPaused,
} from './shift-kit.js';

const ECHARTS = '/vendor/echarts/echarts.esm.min.js';
const HERE = '/my-shifts.html';
const main = $('my-main');
let chart = null;
let next = '';
const seen = new Map();     // sign-up id -> shift, all loaded so far
// The stations (for their phones), asked only when a sign-up is past its
// cancel deadline: id -> station.
let stations = null;
// The stored session could not be renewed (api.js cleared it).
let expired = false;
window.addEventListener(LOGOUT_EVENT, () => { expired = true; });

function done() {
  main.setAttribute('aria-busy', 'false');
}

function expiredGate() {
  gate('登录已过期，请重新登录', '重新登录后可查看您报名的班次和志愿服务时长');
}

function gate(title, desc) {
  showState({ icon: 'weui-icon-info', title, desc,
    buttons: [stateButton('登录', { href: loginHref(HERE), primary: true, id: 'my-login' })] });
  done();
}

// ---- Hours --------------------------------------------------------------------------------

// "2026年11月" from "2026-11".
function monthText(ym) {
  const m = /^(\d{4})-(\d{2})$/.exec(ym || '');
  return m ? `${Number(m[1])}年${Number(m[2])}月` : ym || '';
}

// The last six months (this one last), with the API's months merged in.
function lastMonths(months) {
  const by = new Map((months || []).map((m) => [m.month, m]));
  const [y, mo] = today().split('-').map(Number);
  const out = [];
  for (let i = 5; i >= 0; i--) {
    const d = new Date(Date.UTC(y, mo - 1 - i, 1));
    const key = d.toISOString().slice(0, 7);
    const m = by.get(key) || { month: key, minutes: 0, shifts: 0 };
    out.push(m);
    by.delete(key);
  }
  // Older months with hours (a long history) come first, in order.
  const older = [...by.values()].sort((a, b) => a.month.localeCompare(b.month));
  return [...older, ...out];
}

function table(caption, head, rows, id) {
  return el('div', 'huzu-table-wrap',
    el('table', { class: 'huzu-table', id },
      el('caption', '', caption),
      el('thead', '', el('tr', '', ...head.map((h, i) => el('th', { scope: 'col', class: i ? 'huzu-num' : '' }, h)))),
      el('tbody', '', ...rows.map((r) => el('tr', '', ...r.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', 'huzu-num', c))))))));
}

function renderHours(h) {
  const tile = (label, value, id) => el('div', { class: 'huzu-tile', id }, el('strong', '', value), el('span', '', label));
  const none = !(Number(h.minutes) > 0);
  $('my-tiles').replaceChildren(
    tile('累计服务（小时）', hours(h.minutes), 'tile-hours'),
    tile('参加班次', String(h.shifts ?? 0), 'tile-shifts'),
    tile('未到岗', String(h.no_shows ?? 0), 'tile-noshows'));

  showPaused($('my-paused'), h);

  // No hours yet: one line, not an empty chart and six months of 0.
  $('my-hours-empty').hidden = !none;
  $('my-hours').hidden = none;
  if (none) {
    chart?.dispose();
    chart = null;
    return;
  }

  const months = lastMonths(h.months);
  $('my-months').replaceChildren(table('每月服务时长', ['月份', '小时', '班次'],
    [...months].reverse().map((m) => [monthText(m.month), hours(m.minutes), String(m.shifts || 0)]), 'table-months'));

  const stations = Array.isArray(h.stations) ? h.stations : [];
  $('my-stations-hours').replaceChildren(stations.length
    ? table('各站点服务时长', ['站点', '小时', '班次'],
      stations.map((s) => [(s.station && s.station.name) || '', hours(s.minutes), String(s.shifts || 0)]), 'table-stations')
    : el('p', 'huzu-my-none', '还没有计入时长的班次。签到、签退后，时长按 15 分钟取整计入。'));
  drawChart(months);
}

async function drawChart(months) {
  const node = $('chart-months');
  let echarts;
  try {
    echarts = await import(ECHARTS);
  } catch {
    node.hidden = true;          // the table beside it has the numbers
    return;
  }
  if ($('my-hours').hidden) return;
  chart?.dispose();
  node.replaceChildren();        // the 正在加载图表… placeholder
  node.classList.remove('huzu-chart_wait');
  chart = echarts.init(node, null, { renderer: 'canvas' });
  chart.setOption({
    animation: false,
    textStyle: { fontSize: 13 },
    grid: { left: 36, right: 8, top: 24, bottom: 28 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${v} 小时` },
    xAxis: { type: 'category', data: months.map((m) => `${Number(m.month.slice(5))}月`), axisLabel: { color: '#4d4d4d' } },
    yAxis: { type: 'value', minInterval: 1, name: '小时', nameTextStyle: { color: '#4d4d4d' }, axisLabel: { color: '#4d4d4d' } },
    series: [{
      type: 'bar', name: '服务时长', barMaxWidth: 28, itemStyle: { color: '#06844a' },
      label: { show: true, position: 'top', color: '#1a1a1a', formatter: ({ value }) => (value ? String(value) : '') },
      data: months.map((m) => Number(hours(m.minutes))),
    }],
  });
}

window.addEventListener('resize', () => chart?.resize());

// ---- Sign-ups ----------------------------------------------------------------------------

const upcoming = (s) => !past(s.ends_at) && s.status !== 'cancelled' && ['confirmed', 'waiting'].includes((s.mine || {}).status);

function card(s) {
  const day = dayOf(s.starts_at);
  const link = s.station ? `/stations.html?id=${encodeURIComponent(s.station.id)}${day > today() ? `&from=${day}` : ''}` : '';
  return shiftCard(s, {
    showDay: true, showStation: true, link, onChange: () => refreshHours(),
    stationOf: (id) => (stations && stations.get(String(id))) || null,
  });
}

// A confirmed sign-up past its cancel deadline shows the station's phone:
// the stations are asked once, then the cards drawn again.
const needsPhone = (s) => upcoming(s) && (s.mine || {}).status === 'confirmed' && !(s.mine || {}).checked_in_at && past(s.cancel_deadline);

async function loadStations() {
  if (stations || ![...seen.values()].some(needsPhone)) return;
  try {
    const r = await api.get('/stations');
    stations = new Map((Array.isArray(r.items) ? r.items : []).map((st) => [String(st.id), st]));
    renderSignups();
  } catch { /* the cards say 联系站点 without the number */ }
}

function renderSignups() {
  const all = [...seen.values()];
  const soon = all.filter(upcoming).sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
  const rest = all.filter((s) => !upcoming(s)).sort((a, b) => Date.parse(b.starts_at) - Date.parse(a.starts_at));
  $('my-upcoming').replaceChildren(...(soon.length ? soon.map(card)
    : [emptyState('没有待参加的班次', '到站点看看本周的班次，报名参加志愿服务')]));
  $('my-past').replaceChildren(...(rest.length ? rest.map(card) : [el('p', 'huzu-my-none', '还没有历史记录')]));
  $('my-more-area').hidden = !next;
}

function addPage(page) {
  for (const item of Array.isArray(page.items) ? page.items : []) {
    if (item && item.shift) seen.set(item.id, item.shift);
  }
  next = page.next || '';
}

async function refreshHours() {
  try {
    renderHours(await api.get('/me/volunteer-hours'));
  } catch { /* the numbers stay as they were */ }
}

$('my-more').addEventListener('click', async () => {
  const btn = $('my-more');
  setBusy(btn, true, '正在加载');
  try {
    addPage(await api.get(`/me/signups?limit=50&after=${encodeURIComponent(next)}`));
    renderSignups();
    loadStations();
  } catch (err) {
    await showError(err);
  } finally {
    setBusy(btn, false, '加载更多');
  }
});

async function load() {
  if (!auth.loggedIn) {
    if (expired) expiredGate();
    else gate('请先登录', '登录后可查看您报名的班次和志愿服务时长');
    return;
  }
  showState({ icon: 'loading', title: '正在加载…' });
  try {
    const [h, page] = await Promise.all([api.get('/me/volunteer-hours'), api.get('/me/signups?limit=50')]);
    seen.clear();
    addPage(page);
    showContent();
    renderSignups();
    renderHours(h);
    done();
    loadStations();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      expired = true;
      expiredGate();
      return;
    }
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
      buttons: [stateButton('重试', { onClick: () => load(), primary: true, id: 'my-retry' }), requestIdButton(e.requestId)] });
    done();
  }
}

window.addEventListener('pageshow', (ev) => { if (ev.persisted) load(); });

load();
