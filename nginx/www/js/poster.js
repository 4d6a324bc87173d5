// Printable poster sheet for a unit's buildings (/poster.html?unit=<id>):
// GET /units/{id}/posters, two posters per A4 page. The QR code arrives as
// an SVG document string; it is parsed as XML, stripped to the few
// elements and attributes a QR code needs, and imported as DOM nodes (never
// set as HTML, and never with a style attribute that the CSP would refuse).
import { api, ApiError, auth, files } from './api.js';
import { loginHref } from './nav.js';
import { $, el, showState, stateButton, showError } from './ui.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_ELEMENTS = new Set(['svg', 'rect', 'path', 'g']);
const SVG_ATTRS = new Set(['viewBox', 'shape-rendering', 'width', 'height', 'fill', 'd', 'x', 'y']);
const PER_PAGE = 2;

const params = new URLSearchParams(location.search);
const unit = params.get('unit') || '';
const IN_WECHAT = /MicroMessenger/i.test(navigator.userAgent);

// Who the poster says to ask: the building head, or without one the
// group leader (the API's reviewer; older answers: the head alone).
function reviewerOf(p) {
  const b = p.building || {};
  const head = b.building && b.building.head && b.building.head.display_name;
  const r = p.reviewer || (head ? { role: 'building_head', name: head } : { role: 'group_leader', name: null });
  const title = r.role === 'building_head' ? '栋长' : '户组长';
  return { title, name: r.name || '' };
}

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
  const who = reviewerOf(p);
  const svg = importSvg(p.svg);
  return el('article', { class: 'poster', 'data-building': String(b.id ?? '') },
    el('header', 'poster__band',
      el('p', 'poster__title', `扫码登记 · 扫码打卡 · 有事找${who.title}`)),
    el('div', 'poster__body',
      el('div', 'poster__info',
        el('h2', 'poster__name', b.name || ''),
        el('p', 'poster__address', p.address || ''),
        el('ol', 'poster__steps',
          el('li', '', '用微信扫一扫右侧二维码'),
          el('li', '', '首次使用请登记居住信息'),
          el('li', '', '每月扫码确认居住')),
        who.name ? el('p', 'poster__head', who.name.startsWith(who.title) ? '' : `${who.title}：`, el('strong', '', who.name)) : null),
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
  posters = items;
  $('poster-phone').hidden = false;
  $('poster-rotated').hidden = params.get('rotated') !== '1';
  // WeChat's browser ignores window.print(): the image is the way there.
  if (IN_WECHAT) {
    $('poster-print').hidden = true;
    $('poster-image').classList.replace('weui-btn_default', 'weui-btn_primary');
  }
  document.body.dataset.ready = 'true';
}

$('poster-print').addEventListener('click', () => window.print());

// ---- The poster as a PNG image (for phones: WeChat cannot print) ----
//
// Drawn on a canvas from the same content as the sheet: A5 landscape (half
// an A4 page) at 300 dpi, with the code from GET …/qr.png scaled without
// smoothing, so every module stays sharp for the print shop.

let posters = [];
const IMG_W = 2480;
const IMG_H = 1748;
const FONT = '"PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';

function loadImage(blob) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(blob);
    const img = new Image();
    img.onload = () => { URL.revokeObjectURL(url); resolve(img); };
    img.onerror = () => { URL.revokeObjectURL(url); reject(new ApiError({ status: 0, code: 'image', message: '二维码图片加载失败，请重试' })); };
    img.src = url;
  });
}

// Lines of `text` no wider than `width` (CJK breaks anywhere), at most `max`.
function wrap(ctx, text, width, max) {
  const lines = [];
  let line = '';
  for (const ch of String(text)) {
    if (line && ctx.measureText(line + ch).width > width) {
      lines.push(line);
      line = '';
      if (lines.length === max) break;
    }
    line += ch;
  }
  if (line && lines.length < max) lines.push(line);
  return lines;
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

export function drawPoster(canvas, p, qr) {
  const b = p.building || {};
  const who = reviewerOf(p);
  const M = 110;
  const ctx = canvas.getContext('2d');
  canvas.width = IMG_W;
  canvas.height = IMG_H;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, IMG_W, IMG_H);
  ctx.textBaseline = 'alphabetic';

  // The band.
  const band = ctx.createLinearGradient(M, M, IMG_W - M, M + 250);
  band.addColorStop(0, '#c8102e');
  band.addColorStop(1, '#e4393c');
  ctx.fillStyle = band;
  roundRect(ctx, M, M, IMG_W - 2 * M, 250, 40);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.textAlign = 'center';
  ctx.font = `700 116px ${FONT}`;
  ctx.fillText(`扫码登记 · 扫码打卡 · 有事找${who.title}`, IMG_W / 2, M + 165, IMG_W - 2 * M - 80);

  // The code, its check code.
  const QR = 880;
  const qx = IMG_W - M - QR;
  const qy = 430;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(qr, qx, qy, QR, QR);
  ctx.textAlign = 'center';
  ctx.fillStyle = '#555';
  ctx.font = `400 60px ${FONT}`;
  ctx.fillText('核验码', qx + QR / 2 - 250, qy + QR + 100);
  ctx.fillStyle = '#1a1a1a';
  ctx.font = `700 104px "DejaVu Sans Mono", Menlo, Consolas, monospace`;
  ctx.fillText(p.check_code || '', qx + QR / 2 + 90, qy + QR + 104);
  ctx.fillStyle = '#666';
  ctx.font = `400 46px ${FONT}`;
  ctx.fillText('扫码后页面显示的核验码应与此一致', qx + QR / 2, qy + QR + 180);

  // The place, the steps, who to ask.
  const lx = M;
  const lw = qx - 90 - M;
  let y = qy + 130;
  ctx.textAlign = 'left';
  ctx.fillStyle = '#1a1a1a';
  ctx.font = `700 140px ${FONT}`;
  for (const line of wrap(ctx, b.name || '', lw, 2)) {
    ctx.fillText(line, lx, y);
    y += 165;
  }
  ctx.fillStyle = '#555';
  ctx.font = `400 72px ${FONT}`;
  for (const line of wrap(ctx, p.address || '', lw, 2)) {
    y += 10;
    ctx.fillText(line, lx, y);
    y += 80;
  }
  y += 40;
  const steps = ['1. 用微信扫一扫右侧二维码', '2. 首次使用请登记居住信息', '3. 每月扫码确认居住'];
  ctx.fillStyle = '#f3f3f3';
  roundRect(ctx, lx, y, lw, 90 * steps.length + 70, 32);
  ctx.fill();
  ctx.fillStyle = '#333';
  ctx.font = `400 66px ${FONT}`;
  steps.forEach((s, i) => ctx.fillText(s, lx + 56, y + 115 + 90 * i, lw - 100));
  y += 90 * steps.length + 70 + 110;
  if (who.name) {
    ctx.font = `400 76px ${FONT}`;
    ctx.fillStyle = '#333';
    const lead = `${who.title}：`;
    ctx.fillText(lead, lx, y);
    ctx.fillStyle = '#c62828';
    ctx.font = `700 76px ${FONT}`;
    ctx.fillText(who.name, lx + ctx.measureText(lead).width + 6, y, lw - 300);
  }

  // The foot.
  ctx.fillStyle = '#e6e6e6';
  ctx.fillRect(M, IMG_H - M - 80, IMG_W - 2 * M, 3);
  ctx.fillStyle = '#888';
  ctx.textAlign = 'center';
  ctx.font = `400 46px ${FONT}`;
  ctx.fillText('户组 · 城中村党建引领治理服务平台　请勿遮挡、撕毁', IMG_W / 2, IMG_H - M);
}

let imaging = false;

async function makeImages() {
  if (imaging || !posters.length) return;
  imaging = true;
  const button = $('poster-image');
  const area = $('poster-images');
  button.disabled = true;
  button.textContent = '正在生成图片…';
  area.replaceChildren();
  try {
    const canvas = document.createElement('canvas');
    for (const p of posters) {
      const b = p.building || {};
      const qr = await loadImage(await files.blob(`/api/v1/buildings/${encodeURIComponent(b.id)}/qr.png?scale=20`));
      drawPoster(canvas, p, qr);
      const url = canvas.toDataURL('image/png');
      const name = `楼栋海报-${(b.name || b.id || '').toString().replace(/[\\/:*?"<>|\s]+/g, '')}.png`;
      area.append(el('figure', { class: 'huzu-poster-image', 'data-building': String(b.id ?? '') },
        el('img', { src: url, alt: `${b.name || ''}海报图片`, width: String(IMG_W), height: String(IMG_H) }),
        el('figcaption', 'huzu-poster-image__cap', '长按图片保存，发给电脑或打印店打印'),
        el('a', { class: 'weui-btn weui-btn_default huzu-poster-image__dl', href: url, download: name }, '下载图片')));
    }
    canvas.width = canvas.height = 0;
    $('poster-image-tip').textContent = posters.length > 1
      ? `已生成 ${posters.length} 张图片（每张 A5 大小），可按 A5 或 A4 纸打印`
      : '已生成图片（A5 大小），可按 A5 或 A4 纸打印';
    area.dataset.ready = 'true';
    area.firstElementChild?.scrollIntoView({ block: 'start' });
  } catch (err) {
    showError(err);
  } finally {
    imaging = false;
    button.disabled = false;
    button.textContent = '重新生成图片';
  }
}

$('poster-image').addEventListener('click', makeImages);

start();
