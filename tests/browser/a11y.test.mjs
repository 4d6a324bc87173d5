// The accessibility sweep (issue 12, "Done when"): every page under
// nginx/www/*.html — the folder is read, so a new page is checked without
// touching this file — opened as the person who uses it, in two modes:
//   normal  390×844
//   care    320×640 with 关怀模式 on (localStorage['huzu.care'] = '1',
//           class huzu-care on <html>)
// On each: axe-core's WCAG 2 A/AA rules (colour contrast included), every
// button, tab, form control and stand-alone link at least 44×44 CSS px
// (links inside running text excepted; a checkbox or radio counts by its
// label), no horizontal overflow, no placeholder cut off, and a screenshot into
// build/artefacts/screens/<page>-<mode>.png. The whole list of findings is
// also written to build/artefacts/a11y.txt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ARTEFACTS, BASE, openPage, useBrowser } from './lib.mjs';
import { apiLogin } from './lib.mjs';
import { freshCoop, ok, staff } from './chain-lib.mjs';
import { checklistFor, complaintAt, directiveTo, posterToken } from './fixture11.mjs';
import { registerOk, resident } from '../api/tenancy-lib.mjs';

const WWW = fileURLToPath(new URL('../../nginx/www/', import.meta.url));
// An init script of each context rather than a <script> added to the page:
// the pages' CSP allows no inline script, and Chromium compiles it once.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SCREENS = path.join(ARTEFACTS, 'screens');

// Every page of the site, by file name.
const PAGES = readdirSync(WWW).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -5)).sort();

const MODES = [
  { name: 'normal', care: false, viewport: { width: 390, height: 844 } },
  { name: 'care', care: true, viewport: { width: 320, height: 640 } },
];

// Who opens each page, and with which ids (fx: the fixtures below). A page
// not named here is opened by a resident without parameters. `views`: the
// tabs behind a hash, each checked and photographed too; `act`: what is
// tapped first, to show a part that is hidden on arrival.
const PLAN = {
  building: { as: 'head', views: ['', 'roster', 'posters'] },
  'checklist-template': { as: 'admin' },
  checklist: { as: 'head', url: (fx) => `/checklist.html?id=${fx.checklist.id}` },
  checklists: { as: 'cadre' },
  'complaint-stats': { as: 'cadre' },
  complaint: { as: 'resident', url: (fx) => `/complaint.html?id=${fx.complaint.id}` },
  complaints: { as: 'resident' },
  dashboard: { as: 'cadre' },
  'directive-new': { as: 'cadre' },
  directive: { as: 'head', url: (fx) => `/directive.html?id=${fx.directive}` },
  directives: { as: 'head' },
  index: { as: 'resident', views: ['', 'services', 'me'] },
  landing: { as: 'resident', url: (fx) => `/q/${fx.token1}` },
  login: { as: 'guest', views: ['', 'staff'] },
  'my-shifts': { as: 'resident' },
  notifications: { as: 'resident' },
  poster: { as: 'head', url: (fx) => `/poster.html?unit=${fx.building.id}` },
  privacy: { as: 'guest' },
  register: {
    as: 'newcomer',
    url: (fx) => `/register.html?token=${encodeURIComponent(fx.token2)}`,
    // With one 同住人 row: its name, relation picker and 删除.
    act: async (page) => {
      // The form opens once the renter has agreed to the policy (issue 12).
      if (await page.locator('#f-consent').isVisible()) await page.locator('#f-consent').check();
      if (!await page.locator('#member-add').isVisible()) return;
      await page.locator('#member-add').click();
      await page.locator('#members select').first().waitFor();
    },
  },
  report: { as: 'resident' },
  residence: { as: 'resident' },
  'station-manage': { as: 'station', url: (fx) => `/station-manage.html?id=${fx.station}`, views: ['', 'new', 'station'] },
  'station-poster': { as: 'station', url: (fx) => `/station-poster.html?id=${fx.station}` },
  stations: { as: 'resident' },
  terms: { as: 'guest' },
  todo: { as: 'head' },
};
// Not a file of its own: nginx's error page for an unknown address.
const EXTRA = { error: { as: 'guest', url: () => '/no-such-page.html' } };

useBrowser();

const fx = {};
const tokens = {};
let browsing = null;
const findings = [];

// A fresh corner of the village (a cooperative, a group of two buildings,
// each with a new head) so that nothing here moves another test's figures:
// a resident registered in the first building with a complaint there, a
// checklist and a directive for the first head.
before(async () => {
  const lap = lapper('setup');
  const admin = (await apiLogin('admin')).access_token;
  const org = await freshCoop(admin, { groups: [2], tag: '无障' });
  const head = org.heads[0];
  fx.building = org.buildings[0];
  fx.token1 = await posterToken(org.buildings[0].id);
  fx.token2 = await posterToken(org.buildings[1].id);
  lap('coop');
  const who = await resident();
  const { tenancy } = await registerOk(who, fx.token1);
  fx.complaint = await complaintAt(who.access_token, fx.building.id);
  await registerOk(await resident(), fx.token1); // a second one, pending, for the 栋长's list
  fx.checklist = checklistFor(fx.building, { done: 1 });
  const cadre = await apiLogin('cadre1');
  const cadreMe = await ok(cadre.access_token, 'GET', '/me');
  fx.directive = directiveTo(fx.building, cadreMe.user.id, [{ user: { id: head.id }, unit: fx.building, role: 'building_head' }]);
  const station = await apiLogin('station1');
  fx.station = (await ok(station.access_token, 'GET', '/stations')).items[0].id;
  fx.tenancy = tenancy;
  lap('rows');

  tokens.resident = who;
  tokens.head = await apiLogin(head.username);
  tokens.cadre = cadre;
  tokens.admin = await apiLogin('admin');
  tokens.station = station;
  tokens.newcomer = await resident(); // not registered anywhere yet
  tokens.guest = null;
  lap('logins');
  browsing = await session();
  lap('sessions');
  await mkdir(SCREENS, { recursive: true });
});

after(async () => {
  await browsing?.context.close();
  await writeFile(path.join(ARTEFACTS, 'a11y.txt'), findings.length ? `${findings.join('\n')}\n` : 'no findings\n');
});

// One browser context for all: axe-core is an init script of it (the
// pages' CSP allows no inline script, and Chromium compiles it once), and
// 关怀模式 follows localStorage['huzu.care'] (the class is set here too,
// for a page that does not load care.js). Each page is opened as its user
// by putting their tokens into localStorage before it loads.
async function session() {
  const s = await openPage();
  await s.context.addInitScript({ content: AXE });
  await s.context.addInitScript(() => {
    if (localStorage.getItem('huzu.care') === '1') {
      const on = () => document.documentElement && document.documentElement.classList.add('huzu-care');
      if (!on()) document.addEventListener('readystatechange', on, { once: true });
    }
  });
  s.inflight = 0;
  s.page.on('request', () => { s.inflight += 1; });
  s.page.on('requestfinished', () => { s.inflight -= 1; });
  s.page.on('requestfailed', () => { s.inflight -= 1; });
  // An address of the site, for its localStorage.
  await s.page.goto(`${BASE}/errors/`);
  return s;
}

// The person (their tokens, or none) and the mode for the next page load.
async function prepare(s, t, care) {
  await s.page.evaluate(([a, r, c]) => {
    if (a) {
      localStorage.setItem('huzu.access', a);
      localStorage.setItem('huzu.refresh', r);
    } else {
      localStorage.removeItem('huzu.access');
      localStorage.removeItem('huzu.refresh');
    }
    if (c) localStorage.setItem('huzu.care', '1');
    else localStorage.removeItem('huzu.care');
  }, [t ? t.access_token : '', t ? t.refresh_token : '', care]);
}

// The page has settled: no request in flight for a moment, no spinner of
// the page-state view, fonts laid out.
async function settle(s) {
  const { page } = s;
  const t0 = Date.now();
  const deadline = t0 + 10_000;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 3) {
    await page.waitForTimeout(40);
    const busy = s.inflight > 0 || await page.evaluate(() => {
      const st = document.getElementById('state-title');
      return !!(st && st.offsetParent && /^正在加载/.test(st.textContent.trim()));
    });
    quiet = busy ? 0 : quiet + 1;
  }
  await page.evaluate(() => document.fonts.ready);
  if (process.env.HUZU_A11Y_DEBUG) console.log('settled', page.url(), Date.now() - t0, 'ms');
}

// Tap targets: each visible control and stand-alone link, by the box a
// finger meets.
function tapTargets() {
  const shown = (n) => {
    if (n.closest('[hidden], [inert]')) return false;
    const b = n.getBoundingClientRect();
    const cs = getComputedStyle(n);
    return b.width > 0 && b.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  // A link in running text: its parent has text of its own beside it.
  const inline = (a) => [...a.parentElement.childNodes].some((c) => c !== a && c.nodeType === 3 && c.textContent.trim());
  const tiny = (n) => {
    const b = n.getBoundingClientRect();
    return b.width <= 2 || b.height <= 2;
  };
  const name = (n) => {
    const id = n.id ? `#${n.id}` : '';
    const cls = typeof n.className === 'string' && n.className.trim() ? `.${n.className.trim().split(/\s+/).slice(0, 2).join('.')}` : '';
    return `${n.tagName.toLowerCase()}${id}${cls}`;
  };
  const out = [];
  const seen = new Set();
  const sel = 'button, [role=tab], [role=button], input:not([type=hidden]), select, textarea, a[href], summary';
  for (const n of document.querySelectorAll(sel)) {
    if (n.matches('a') && inline(n)) continue;
    let target = n;
    if (n.matches('input[type=checkbox], input[type=radio], input[type=file]') || (n.matches('input, select, textarea') && tiny(n))) {
      target = n.closest('label') || (n.id && document.querySelector(`label[for="${CSS.escape(n.id)}"]`)) || n.parentElement;
    }
    if (seen.has(target) || !shown(target)) continue;
    seen.add(target);
    const b = target.getBoundingClientRect();
    if (b.width < 43.99 || b.height < 43.99) {
      const text = (target.innerText || n.value || n.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 20);
      out.push(`${name(n)} "${text}" ${Math.round(b.width * 10) / 10}×${Math.round(b.height * 10) / 10}`);
    }
  }
  return out;
}

// A hint inside an empty field that does not fit is cut off ("（选填）"
// lost at 320 px): each visible placeholder is measured in the field's font.
function cutPlaceholders() {
  const out = [];
  const g = document.createElement('canvas').getContext('2d');
  for (const n of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (n.value || n.closest('[hidden]')) continue;
    const b = n.getBoundingClientRect();
    if (!b.width || !b.height) continue;
    const cs = getComputedStyle(n);
    g.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const room = n.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const lines = n.matches('textarea') ? Math.max(1, Math.floor(n.clientHeight / (parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.4))) : 1;
    const need = g.measureText(n.placeholder).width;
    if (need > room * lines + 1) out.push(`${n.id ? `#${n.id}` : n.name} "${n.placeholder}" needs ${Math.ceil(need)} px, has ${Math.floor(room * lines)}`);
  }
  return out;
}

// axe-core: WCAG 2.0/2.1 A and AA. Findings as readable lines.
async function axe(page) {
  return page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    const out = [];
    for (const v of r.violations) {
      for (const n of v.nodes) {
        const d = (n.any[0] || n.all[0] || n.none[0] || {}).data || {};
        const target = n.target.join(' ');
        if (v.id === 'color-contrast') {
          out.push(`contrast ${d.contrastRatio}:1 (needs ${d.expectedContrastRatio}) ${d.fgColor} on ${d.bgColor} ${d.fontSize} ${target}`);
        } else {
          out.push(`${v.id}: ${v.help} — ${target}`);
        }
      }
    }
    return out;
  });
}

function lapper(where) {
  let t = Date.now();
  return (what) => {
    if (process.env.HUZU_A11Y_DEBUG) console.log(where, what, Date.now() - t, 'ms');
    t = Date.now();
  };
}

for (const name of [...PAGES, ...Object.keys(EXTRA)]) {
  const plan = PLAN[name] || EXTRA[name] || { as: 'resident' };
  test(`a11y: ${name}`, { timeout: 60_000 }, async () => {
    const s = browsing;
    const { page } = s;
    const url = plan.url ? plan.url(fx) : `/${name}.html`;
    const problems = [];
    for (const mode of MODES) {
      await page.setViewportSize(mode.viewport);
      await prepare(s, tokens[plan.as], mode.care);
      for (const view of plan.views || ['']) {
        const where = `${name}${view ? `#${view}` : ''} ${mode.name}`;
        await page.goto(`${BASE}${url}${view ? `#${view}` : ''}`, { waitUntil: 'load' });
        // A new hash alone does not load the page again: a page that reads
        // it only when it loads (login.html#staff) is loaded afresh.
        if (view) await page.reload({ waitUntil: 'load' });
        await settle(s);
        if (plan.act) await plan.act(page);
        const care = await page.evaluate(() => document.documentElement.classList.contains('huzu-care'));
        assert.equal(care, mode.care, `${where}: class huzu-care on <html> follows localStorage`);
        const found = [];
        const lap = lapper(where);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) found.push(`overflow: the page is ${overflow} px wider than the screen`);
        for (const t of await page.evaluate(tapTargets)) found.push(`tap target under 44×44: ${t}`);
        for (const t of await page.evaluate(cutPlaceholders)) found.push(`placeholder cut off: ${t}`);
        lap('taps');
        for (const a of await axe(page)) found.push(a);
        lap('axe');
        await page.screenshot({
          path: path.join(SCREENS, `${name}${view ? `-${view}` : ''}-${mode.name}.png`), fullPage: true, animations: 'disabled', scale: 'css',
        });
        lap('shot');
        for (const f of found) problems.push(`${where}: ${f}`);
      }
    }
    findings.push(...problems);
    assert.deepEqual(problems, [], `${name}: accessibility findings`);
  });
}
