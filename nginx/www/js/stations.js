// stations.html: 志愿服务. Without ?id the stations (one GET /stations);
// with ?id=N one station and a week of its shifts (from ?from=YYYY-MM-DD,
// default today), with free places, the caller's own sign-up and the
// 报名 / 取消报名 / 候补 buttons (js/shift-kit.js).
import { api, ApiError, auth, LOGOUT_EVENT } from './api.js';
import { loginHref } from './nav.js';
import { $, el, showState, showContent, stateButton, emptyState } from './ui.js';
import {
  kindText, kindMark, today, addDays, dayText, dayOf, shiftCard,
  requestIdButton, showPaused, nobreak, phoneLink,
} from './shift-kit.js';

const main = $('st-main');
let seq = 0;
// The station and the caller's hours, asked once per station while on the page.
let kept = null;
// The stored session could not be renewed (api.js cleared it).
let expired = false;
window.addEventListener(LOGOUT_EVENT, () => { expired = true; });
const EXPIRED = '登录已过期，请重新登录';

function params() {
  const q = new URLSearchParams(location.search);
  const id = /^\d{1,18}$/.test(q.get('id') || '') ? q.get('id') : '';
  const from = /^\d{4}-\d{2}-\d{2}$/.test(q.get('from') || '') ? q.get('from') : today();
  return { id, from };
}

function done() {
  main.setAttribute('aria-busy', 'false');
}

function gate(title, desc) {
  const here = location.pathname + location.search;
  showState({ icon: 'weui-icon-info', title, desc,
    buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'st-login' })] });
  done();
}

function failed(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  if (e.status === 401) {
    expired = true;
    gate(EXPIRED, '重新登录后可查看站点的班次并报名');
    return;
  }
  if (e.status === 404) {
    showState({ icon: 'weui-icon-warn', title: '没有找到这个站点', desc: '站点可能已调整，请返回站点列表重新选择',
      buttons: [stateButton('全部站点', { href: '/stations.html', primary: true })] });
    done();
    return;
  }
  // The request id for support is one tap away, not on the face of it.
  showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
    buttons: [stateButton('重试', { onClick: () => load(), primary: true, id: 'st-retry' }), requestIdButton(e.requestId)] });
  done();
}

// ---- The stations ---------------------------------------------------------------------

function stationCell(s) {
  const lines = [s.address, s.opening_hours ? `开放时间：${s.opening_hours}` : ''].filter(Boolean);
  return el('a', { class: 'weui-cell weui-cell_access huzu-station', id: `station-${s.id}`, href: `/stations.html?id=${encodeURIComponent(s.id)}` },
    el('div', 'weui-cell__hd', el('span', { class: `huzu-station__mark huzu-station__mark_${s.kind}`, 'aria-hidden': 'true' }, kindMark(s.kind))),
    el('div', 'weui-cell__bd huzu-station__bd',
      el('p', 'huzu-station__name huzu-wrap', s.name || ''),
      el('p', 'huzu-station__kind huzu-wrap', [kindText(s.kind), s.unit && s.unit.name].filter(Boolean).join(' · ')),
      ...lines.map((t) => el('p', 'huzu-station__line huzu-wrap', t))),
    el('div', 'weui-cell__ft'));
}

function renderList(items) {
  $('st-title').textContent = '志愿服务';
  $('st-desc').textContent = '选择站点，报名参加志愿服务班次';
  $('st-back').href = '/#services';
  $('st-back').textContent = '‹ 办事';
  document.title = '户组 · 志愿服务';
  const list = $('st-list');
  list.replaceChildren(items.length
    ? el('div', 'weui-cells huzu-stations', ...items.map(stationCell))
    : emptyState('暂时没有服务站点', '站点开放志愿服务后会在这里显示'));
  list.hidden = false;
  $('st-week').hidden = true;
  showContent();
  done();
}

// ---- One station's week ---------------------------------------------------------------------

function infoCard(st) {
  const rows = [
    st.address ? ['地址', st.address] : null,
    st.opening_hours ? ['开放时间', st.opening_hours] : null,
    st.manager && st.manager.name ? ['负责人', st.manager.name] : null,
    phoneLink(st, 'st-phone') ? ['电话', phoneLink(st, 'st-phone')] : null,
  ].filter(Boolean);
  const node = $('st-info');
  node.replaceChildren(...[
    el('p', 'huzu-station-info__kind', [kindText(st.kind), st.unit && st.unit.name].filter(Boolean).join(' · ')),
    rows.length ? el('dl', 'huzu-station-info__rows', ...rows.map(([k, v]) => el('div', 'huzu-station-info__row', el('dt', '', k), el('dd', 'huzu-wrap', v)))) : null,
    st.description ? el('p', 'huzu-station-info__desc huzu-wrap', st.description) : null,
    st.can_manage ? el('a', { class: 'huzu-station-info__manage', href: `/station-manage.html?id=${encodeURIComponent(st.id)}`, id: 'st-manage' }, '管理班次 ›') : null,
  ].filter(Boolean));
}

function weekLink(id, from) {
  return `/stations.html?id=${encodeURIComponent(id)}${from === today() ? '' : `&from=${from}`}`;
}

function setWeekNav(p) {
  const prevFrom = addDays(p.from, -7);
  const first = p.from <= today();
  const prev = $('week-prev');
  const next = $('week-next');
  prev.hidden = first;
  prev.href = weekLink(p.id, prevFrom < today() ? today() : prevFrom);
  next.href = weekLink(p.id, addDays(p.from, 7));
  // Each day whole ("12月8⏎日" at 320 px with large text).
  $('week-range').replaceChildren(nobreak(dayText(p.from)), ' 至 ', nobreak(dayText(addDays(p.from, 6))));
}

function renderWeek(p, st, page) {
  $('st-title').textContent = st.name || '站点';
  $('st-desc').textContent = '本周的志愿服务班次';
  $('st-back').href = '/stations.html';
  $('st-back').textContent = '‹ 全部站点';
  document.title = `户组 · ${st.name || '志愿服务'}`;
  infoCard(st);
  setWeekNav(p);
  const items = Array.isArray(page.items) ? page.items : [];
  const byDay = new Map();
  for (const s of items) {
    const d = dayOf(s.starts_at);
    if (!byDay.has(d)) byDay.set(d, []);
    byDay.get(d).push(s);
  }
  const days = [];
  for (let i = 0; i < 7; i++) {
    const d = addDays(p.from, i);
    const list = byDay.get(d) || [];
    const head = el('h2', 'huzu-day__title', dayText(d), d === today() ? el('span', 'huzu-day__today', '今天') : null);
    days.push(el('section', { class: `huzu-day${list.length ? '' : ' huzu-day_empty'}`, id: `day-${d}`, 'data-day': d },
      head,
      list.length
        ? el('div', 'huzu-day__shifts', ...list.map((s) => shiftCard(s, { station: st })))
        : el('p', 'huzu-day__none', '没有班次')));
  }
  if (!items.length) days.unshift(el('p', 'huzu-week__empty', '这一周还没有发布班次，可以看看下一周'));
  if (page.truncated) days.push(el('p', 'huzu-week__empty', '班次太多，只显示了一部分'));
  $('week-days').replaceChildren(...days);
  $('st-week').hidden = false;
  $('st-list').hidden = true;
  showContent();
  done();
}

// ---- Loading --------------------------------------------------------------------------------

async function load() {
  const my = ++seq;
  const p = params();
  if (!auth.loggedIn) {
    if (expired) gate(EXPIRED, '重新登录后可查看站点的班次并报名');
    else gate('请先登录', '登录后可以查看站点的班次并报名');
    return;
  }
  main.setAttribute('aria-busy', 'true');
  showState({ icon: 'loading', title: '正在加载…' });
  try {
    if (!p.id) {
      const r = await api.get('/stations');
      if (my === seq) renderList(Array.isArray(r.items) ? r.items : []);
      return;
    }
    const q = new URLSearchParams({
      station: p.id, from: `${p.from}T00:00:00+08:00`, to: `${addDays(p.from, 7)}T00:00:00+08:00`,
    });
    // All at once: one round trip on a slow line. The hours only say
    // whether sign-up is paused; the week shows without them. Another
    // week of the same station asks for its shifts only.
    if (!kept || kept.id !== p.id) {
      kept = { id: p.id, station: api.get(`/stations/${encodeURIComponent(p.id)}`), hours: api.get('/me/volunteer-hours').catch(() => null) };
      kept.station.catch(() => { kept = null; });
    }
    const { hours } = kept;
    const [st, page] = await Promise.all([kept.station, api.get(`/shifts?${q}`)]);
    if (my !== seq) return;
    renderWeek(p, st, page);
    const h = await hours;
    if (my === seq) showPaused($('st-paused'), h);
  } catch (err) {
    if (my === seq) failed(err);
  }
}

// 上一周 / 下一周 stay on the page (and in the history).
for (const id of ['week-prev', 'week-next']) {
  $(id).addEventListener('click', (ev) => {
    ev.preventDefault();
    history.pushState(null, '', $(id).getAttribute('href'));
    load();
    window.scrollTo(0, 0);
  });
}
window.addEventListener('popstate', () => load());
// Back from another page: the places may have changed.
window.addEventListener('pageshow', (ev) => {
  if (!ev.persisted) return;
  kept = null;
  load();
});

load();
