// Printable poster sheet for a unit's buildings (/poster.html?unit=<id>):
// GET /units/{id}/posters, two posters per A4 page. The QR code arrives as
// an SVG document string; it is parsed as XML, stripped to the few
// elements and attributes a QR code needs, and imported as DOM nodes (never
// set as HTML, and never with a style attribute that the CSP would refuse).
import { api, ApiError, auth } from './api.js';
import { loginHref } from './nav.js';
import { $, el, showState, stateButton } from './ui.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_ELEMENTS = new Set(['svg', 'rect', 'path', 'g']);
const SVG_ATTRS = new Set(['viewBox', 'shape-rendering', 'width', 'height', 'fill', 'd', 'x', 'y']);
const PER_PAGE = 2;

const unit = new URLSearchParams(location.search).get('unit') || '';

// The <svg> element of an SVG document string, cleaned, as a node of this
// document; null if the text is not an SVG document.
export function importSvg(text) {
  if (typeof text !== 'string' || !text) return null;
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== SVG_NS || root.localName !== 'svg' ||
      doc.getElementsByTagName('parsererror').length) return null;
  const clean = (node) => {
    for (const child of [...node.childNodes]) {
      if (child.nodeType === Node.ELEMENT_NODE && child.namespaceURI === SVG_NS && SVG_ELEMENTS.has(child.localName)) {
        clean(child);
      } else if (child.nodeType !== Node.TEXT_NODE || child.textContent.trim()) {
        child.remove();
      }
    }
    for (const attr of [...node.attributes]) {
      if (attr.namespaceURI || !SVG_ATTRS.has(attr.name)) node.removeAttribute(attr.name);
    }
  };
  clean(root);
  const svg = document.importNode(root, true);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', '楼栋二维码');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  return svg;
}

function poster(p) {
  const b = p.building || {};
  const head = b.building && b.building.head && b.building.head.display_name;
  const svg = importSvg(p.svg);
  return el('article', { class: 'poster', 'data-building': String(b.id ?? '') },
    el('header', 'poster__band',
      el('p', 'poster__title', '扫码登记 · 扫码打卡 · 有事找栋长')),
    el('div', 'poster__body',
      el('div', 'poster__info',
        el('h2', 'poster__name', b.name || ''),
        el('p', 'poster__address', p.address || ''),
        el('ol', 'poster__steps',
          el('li', '', '用微信扫一扫右侧二维码'),
          el('li', '', '首次使用请登记居住信息'),
          el('li', '', '每月扫码确认居住')),
        head ? el('p', 'poster__head', /^栋长/.test(head) ? '' : '栋长：', el('strong', '', head)) : null),
      el('div', 'poster__code',
        el('div', 'poster__qr', svg || el('p', 'poster__qr-missing', '二维码生成失败，请重新打开')),
        el('p', 'poster__check',
          el('span', 'poster__check-label', '核验码'),
          el('strong', 'poster__check-code', p.check_code || '')),
        el('p', 'poster__check-hint', '扫码后页面显示的核验码应与此一致'))),
    el('footer', 'poster__foot', '户组 · 城中村党建引领治理服务平台　请勿遮挡、撕毁'));
}

// Nothing to print: the state view in the sheets' place, its title in the bar.
function message(title, desc, link) {
  $('poster-summary').textContent = title;
  showState({ icon: 'weui-icon-warn', title, desc, buttons: [link] });
}

async function start() {
  if (!/^\d+$/.test(unit)) {
    message('未指定楼栋', '请从楼栋工作台的“海报打印”进入', stateButton('前往楼栋工作台', { href: '/building.html#posters', primary: true }));
    return;
  }
  if (!auth.loggedIn) {
    message('请先登录', '海报打印供栋长及以上工作人员使用',
      stateButton('工作人员登录', { href: `${loginHref(location.pathname + location.search)}#staff`, primary: true, id: 'poster-login' }));
    return;
  }
  let data;
  try {
    data = await api.get(`/units/${encodeURIComponent(unit)}/posters`);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    message('无法生成海报', e.status === 404 || e.status === 403 ? '该单位不存在或不在您的管理范围内' : e.message);
    return;
  }
  const items = Array.isArray(data.items) ? data.items : [];
  if (!items.length) {
    message('没有可打印的楼栋', '该单位下暂无楼栋');
    return;
  }
  const sheets = [];
  for (let i = 0; i < items.length; i += PER_PAGE) {
    const sheet = el('section', { class: 'sheet', 'aria-label': `第 ${sheets.length + 1} 页` },
      ...items.slice(i, i + PER_PAGE).map(poster));
    if (items.length - i < PER_PAGE) sheet.classList.add('sheet_partial');
    sheets.push(sheet);
  }
  $('sheets').replaceChildren(...sheets);
  const first = items[0].building || {};
  $('poster-title').textContent = items.length === 1 ? (first.name || '楼栋海报') : '楼栋海报';
  $('poster-summary').textContent = `${items.length} 栋楼 · ${sheets.length} 页 A4`;
  document.title = `户组 · 楼栋海报（${items.length} 栋）`;
  $('poster-print').disabled = false;
  document.body.dataset.ready = 'true';
}

$('poster-print').addEventListener('click', () => window.print());

start();
