// station-poster.html?id=<station>: the station's printable A4 poster
// (GET /stations/{id}/poster for the name, address, hours and check code;
// the QR code from /stations/{id}/qr.svg, fetched with the bearer token and
// shown as an <img> from a blob: URL, so no SVG markup enters the page),
// and 更换二维码 (POST …/qr/rotate: old posters stop working).
import { api, ApiError, auth, files } from './api.js';
import { loginHref } from './nav.js';
import { $, el, showState, stateButton, showConfirm, showError, toast, hideToast } from './ui.js';

const KINDS = { culture: '文化站', elderly_care: '老人关爱站', women_children: '妇女儿童关爱站' };
const stationId = new URLSearchParams(location.search).get('id') || '';
let qrUrl = '';

function message(title, desc, link) {
  $('poster-summary').textContent = title;
  $('rotate-area').hidden = true;
  showState({ icon: 'weui-icon-warn', title, desc, buttons: [link] });
}

async function qrImage() {
  const blob = await files.blob(`/api/v1/stations/${encodeURIComponent(stationId)}/qr.svg`);
  if (qrUrl) URL.revokeObjectURL(qrUrl);
  qrUrl = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: 'image/svg+xml' }));
  const img = el('img', { class: 'sp-poster__qr-img', alt: '站点二维码', src: qrUrl });
  await new Promise((resolve) => {
    img.addEventListener('load', resolve, { once: true });
    img.addEventListener('error', resolve, { once: true });
  });
  return img;
}

function poster(p, img) {
  const s = p.station || {};
  const rows = [
    s.address ? ['地址', s.address] : null,
    s.opening_hours ? ['开放时间', s.opening_hours] : null,
    s.phone ? ['联系电话', s.phone] : null,
  ].filter(Boolean);
  return el('section', { class: 'sp-sheet', 'aria-label': '站点海报' },
    el('article', { class: 'sp-poster', 'data-station': String(s.id ?? '') },
      el('header', 'sp-poster__band',
        el('p', 'sp-poster__title', '扫码签到/签退 · 报名志愿服务')),
      el('div', 'sp-poster__who',
        el('h2', 'sp-poster__name', s.name || ''),
        KINDS[s.kind] && !String(s.name || '').endsWith(KINDS[s.kind]) ? el('p', 'sp-poster__kind', KINDS[s.kind]) : null),
      rows.length ? el('dl', 'sp-poster__facts', ...rows.flatMap(([k, v]) => [el('dt', '', k), el('dd', 'sp-poster__fact', v)])) : null,
      el('div', 'sp-poster__code',
        el('div', 'sp-poster__qr', img),
        el('p', 'sp-poster__check',
          el('span', 'sp-poster__check-label', '核验码'),
          el('strong', 'sp-poster__check-code', p.check_code || '')),
        el('p', 'sp-poster__check-hint', '扫码后页面显示的核验码应与此一致')),
      el('ol', 'sp-poster__steps',
        el('li', '', '志愿者到站后，用微信扫一扫上方二维码签到'),
        el('li', '', '服务结束离开时，再扫一次签退，自动记录志愿时长'),
        el('li', '', '居民扫码可查看本站近期志愿服务并报名')),
      el('footer', 'sp-poster__foot', '户组 · 城中村党建引领治理服务平台　请勿遮挡、撕毁')));
}

async function render(p) {
  let img;
  try {
    img = await qrImage();
  } catch (err) {
    img = el('p', 'sp-poster__qr-missing', '二维码生成失败，请重新打开');
  }
  $('sheets').replaceChildren(poster(p, img));
  const s = p.station || {};
  $('poster-title').textContent = s.name || '站点海报';
  $('poster-summary').textContent = `核验码 ${p.check_code || ''} · A4 纵向`;
  document.title = `户组 · ${s.name || '站点'}海报`;
  $('poster-print').disabled = false;
  $('rotate-area').hidden = false;
  document.body.dataset.ready = 'true';
}

async function rotate() {
  const ok = await showConfirm({
    title: '更换站点二维码',
    message: '更换后，已经张贴的旧海报立即失效：志愿者扫旧码将无法签到、签退，也无法报名。请确认您能马上打印并张贴新海报。',
    ok: '仍要更换', cancel: '不更换', warn: true,
  });
  if (!ok) return;
  const button = $('poster-rotate');
  button.disabled = true;
  toast('正在更换', { ms: 0, icon: 'loading' });
  try {
    const p = await api.post(`/stations/${encodeURIComponent(stationId)}/qr/rotate`, {});
    document.body.dataset.ready = 'false';
    await render(p);
    toast('已更换，请打印新海报');
  } catch (err) {
    hideToast();
    showError(err);
  } finally {
    button.disabled = false;
  }
}

async function start() {
  const back = stationId ? `/station-manage.html?id=${encodeURIComponent(stationId)}#station` : '/station-manage.html';
  $('poster-back').href = back;
  if (!/^\d+$/.test(stationId)) {
    message('未指定站点', '请从站点管理的“站点信息”进入', stateButton('前往站点管理', { href: '/station-manage.html', primary: true }));
    return;
  }
  if (!auth.loggedIn) {
    message('请先登录', '站点海报供站点负责人和管理员使用',
      stateButton('工作人员登录', { href: `${loginHref(location.pathname + location.search)}#staff`, primary: true, id: 'poster-login' }));
    return;
  }
  let p;
  try {
    p = await api.get(`/stations/${encodeURIComponent(stationId)}/poster`);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 404 || e.status === 403) {
      message('无法生成海报', '该站点不存在，或不由您负责管理', stateButton('选择我负责的站点', { href: '/station-manage.html', primary: true }));
    } else {
      message('无法生成海报', e.message, stateButton('重试', { onClick: () => location.reload(), primary: true }));
    }
    return;
  }
  await render(p);
}

$('poster-print').addEventListener('click', () => window.print());
$('poster-rotate').addEventListener('click', rotate);

start();
