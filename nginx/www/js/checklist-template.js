// checklist-template.html: the village admin writes the template of a
// month (this month until it is issued, or a later one): a title and 1–20
// items, each saying whether a photo is required. A month without one
// starts from the newest template, or from the four items of the report.
// Once issued (the 1st, by the scheduler) the month is shown read-only.
import { api, ApiError } from './api.js';
import { $, el, showContent, showState, stateButton, setBusy, toast, toptips } from './ui.js';
import { staffStart, isAdmin, fieldErrors, focusField, monthText, thisMonth, addMonths, when, writeError, restoreDraft } from './duty-kit.js';

const MAX_ITEMS = 20;
const DEFAULT_ITEMS = [
  { title: '消防器材检查', hint: '灭火器压力正常、未过期，消防通道畅通', photo_required: true },
  { title: '出租屋登记核对', hint: '新入住的租户都已扫码登记，搬走的已办迁出', photo_required: false },
  { title: '楼道卫生', hint: '楼道、天台无堆放杂物', photo_required: true },
  { title: '安全隐患排查', hint: '电线、燃气、电动车充电', photo_required: false },
];
const params = new URLSearchParams(location.search);
const errors = fieldErrors(['month', 'title', 'items']);
let templates = []; // [{month, title, items, issued_at}], newest first
let templatesMore = false; // the list was cut: a month not in it may exist
let items = [];     // [{title, hint, photo_required}]
let issued = false;
let seq = 0;

function monthChoices() {
  const now = thisMonth();
  const list = [now, addMonths(now, 1), addMonths(now, 2), addMonths(now, 3)];
  const want = /^\d{4}-\d{2}$/.test(params.get('month') || '') ? params.get('month') : '';
  if (want && want >= now && !list.includes(want)) list.push(want);
  $('f-month').replaceChildren(...list.map((m) => {
    const t = templates.find((x) => x.month === m);
    const tag = t ? (t.issued_at ? '已下发' : '已保存') : '未设置';
    return el('option', { value: m }, `${monthText(m)}${m === now ? '（本月）' : ''} · ${tag}`);
  }));
  $('f-month').value = want && list.includes(want) ? want : now;
}

// ---- The items editor ---------------------------------------------------------------------

function renderItems() {
  markItem(0);
  errors.set('items', '');
  $('ct-items').replaceChildren(...items.map((it, i) => {
    const n = i + 1;
    // A move or delete that cannot be done is not offered (no greyed text).
    const tool = (text, label, fn, { warn = false, disabled = false } = {}) => {
      if (disabled || issued) return null;
      const b = el('button', { class: `ct-tool${warn ? ' ct-tool_warn' : ''}`, type: 'button', 'aria-label': `第 ${n} 项${label}` }, text);
      b.addEventListener('click', fn);
      return b;
    };
    const title = el('input', { class: 'ct-input', id: `item-title-${n}`, type: 'text', maxlength: '100', placeholder: issued ? '' : '例如：消防器材检查', disabled: issued });
    title.value = it.title;
    title.addEventListener('input', () => { it.title = title.value; errors.set('items', ''); });
    const hint = el('input', { class: 'ct-input', id: `item-hint-${n}`, type: 'text', maxlength: '200', placeholder: issued ? '' : '怎么检查、查什么（选填）', disabled: issued });
    hint.value = it.hint || '';
    hint.addEventListener('input', () => { it.hint = hint.value; });
    const photo = el('input', { type: 'checkbox', id: `item-photo-${n}`, disabled: issued });
    photo.checked = Boolean(it.photo_required);
    photo.addEventListener('change', () => { it.photo_required = photo.checked; });
    return el('li', { class: 'ct-item', id: `item-${n}` },
      el('div', 'ct-item__hd', el('span', '', `第 ${n} 项`),
        el('span', 'ct-item__tools',
          tool('上移', '上移', () => move(i, -1), { disabled: i === 0 }),
          tool('下移', '下移', () => move(i, 1), { disabled: i === items.length - 1 }),
          tool('删除', '删除', () => remove(i), { warn: true, disabled: items.length <= 1 }))),
      el('label', { class: 'ct-label', for: `item-title-${n}` }, '事项'), title,
      el('label', { class: 'ct-label', for: `item-hint-${n}` }, '说明'), hint,
      el('label', { class: 'ct-check', for: `item-photo-${n}` }, photo, el('span', '', '需要拍照')));
  }));
  $('add-item').hidden = issued || items.length >= MAX_ITEMS;
}

function move(i, d) {
  const j = i + d;
  if (j < 0 || j >= items.length) return;
  [items[i], items[j]] = [items[j], items[i]];
  renderItems();
  $(`item-title-${j + 1}`).focus();
}

function remove(i) {
  items.splice(i, 1);
  renderItems();
  $(`item-title-${Math.min(i + 1, items.length)}`)?.focus();
}

$('add-item').addEventListener('click', () => {
  if (items.length >= MAX_ITEMS) return;
  items.push({ title: '', hint: '', photo_required: false });
  renderItems();
  $(`item-title-${items.length}`).focus();
});

// ---- A month --------------------------------------------------------------------------------

async function loadMonth() {
  const month = $('f-month').value;
  const my = ++seq;
  errors.clear();
  $('ct-status').textContent = '正在加载…';
  $('ct-edit').disabled = true;
  try {
    // Only a month the list names is asked for (no 404 to provoke).
    let t = null;
    if (templates.some((x) => x.month === month) || templatesMore) {
      try {
        t = await api.get(`/checklist-templates/${encodeURIComponent(month)}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
    }
    if (my !== seq) return;
    if (t) {
      issued = Boolean(t.issued_at);
      $('f-title').value = t.title || '';
      items = (t.items || []).map((x) => ({ title: x.title, hint: x.hint || '', photo_required: Boolean(x.photo_required) }));
      $('ct-status').textContent = issued ? '' : `${monthText(month)}的模板已保存，1 日下发前都可以修改`;
    } else {
      issued = false;
      const last = templates[0];
      let from = null;
      if (last) {
        try {
          from = await api.get(`/checklist-templates/${encodeURIComponent(last.month)}`);
        } catch { from = null; }
      }
      if (my !== seq) return;
      $('f-title').value = `${Number(month.slice(5))}月栋长工作清单`;
      items = from ? from.items.map((x) => ({ title: x.title, hint: x.hint || '', photo_required: Boolean(x.photo_required) })) : DEFAULT_ITEMS.map((x) => ({ ...x }));
      $('ct-status').textContent = from
        ? `${monthText(month)}还没有模板，下面先照${monthText(from.month)}的填好了，改好后点「保存模板」`
        : `${monthText(month)}还没有模板，下面是常用的检查事项，改好后点「保存模板」`;
    }
    $('ct-issued').hidden = !issued;
    $('ct-issued').textContent = issued ? `${monthText(month)}的清单已于 ${when(t.issued_at)} 下发，不能再修改；请选择下个月编辑。` : '';
    $('f-title').disabled = issued;
    $('ct-save').hidden = issued;
    renderItems();
    $('ct-edit').disabled = false;
    if (!issued) restoreDraft();
  } catch (err) {
    if (my !== seq) return;
    $('ct-status').textContent = '';
    writeError(err);
  }
}

$('f-month').addEventListener('change', () => {
  history.replaceState(null, '', `?month=${$('f-month').value}`);
  loadMonth();
});

// ---- Saving ---------------------------------------------------------------------------------------

const chars = (s) => [...s].length;

// The item in error is marked, and its message moves into it (under
// its 事项 field), not under the whole list; n = 0 puts it back.
const itemsErr = $('err-items');
const itemsErrHome = itemsErr.nextElementSibling;

function markItem(n) {
  for (const li of document.querySelectorAll('.ct-item')) li.classList.remove('ct-item_bad');
  const li = n ? $(`item-${n}`) : null;
  if (li) {
    li.classList.add('ct-item_bad');
    $(`item-title-${n}`).after(itemsErr);
    $(`item-title-${n}`).setAttribute('aria-describedby', 'err-items');
  } else if (itemsErr.parentNode !== itemsErrHome.parentNode) {
    itemsErrHome.before(itemsErr);
  }
}

$('ct-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const btn = $('ct-save');
  if (btn.disabled || issued) return;
  errors.clear();
  markItem(0);
  const title = $('f-title').value.trim();
  if (!title) {
    errors.set('title', '请写清单标题，例如「12月栋长工作清单」');
    focusField('title');
    return;
  }
  const body = { title, items: items.map((it) => {
    const x = { title: it.title.trim(), photo_required: Boolean(it.photo_required) };
    if (it.hint && it.hint.trim()) x.hint = it.hint.trim();
    return x;
  }) };
  const empty = body.items.findIndex((x) => !x.title || chars(x.title) > 100);
  if (empty >= 0) {
    errors.set('items', `第 ${empty + 1} 项：请写检查什么（1 至 100 个字），或点「删除」去掉这一项`);
    markItem(empty + 1);
    $(`item-title-${empty + 1}`).focus();
    return;
  }
  const month = $('f-month').value;
  setBusy(btn, true, '正在保存');
  try {
    await api.put(`/checklist-templates/${encodeURIComponent(month)}`, body);
    toast('已保存');
    const t = templates.find((x) => x.month === month);
    if (t) Object.assign(t, { title, items: body.items.length });
    else templates.unshift({ month, title, items: body.items.length, issued_at: null });
    monthChoices();
    $('f-month').value = month;
    $('ct-status').textContent = `${monthText(month)}的模板已保存，1 日下发前都可以修改`;
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 409 && e.code === 'template_issued') {
      errors.set('month', e.message);
      loadMonth();
      return;
    }
    if (e.status === 0 || e.status >= 500) {
      toptips('网络不好，没能确定是否保存。请再点一次「保存模板」。');
      return;
    }
    if (e.status === 422 && errors.place(e)) {
      const m = /第 (\d+) 项/.exec(e.fields.items || '');
      if (m) markItem(Number(m[1]));
      return;
    }
    writeError(e);
  } finally {
    setBusy(btn, false, '保存模板');
  }
});

async function start() {
  const me = await staffStart({ purpose: '清单模板由联社党委管理员编辑', retry: start });
  if (!me) return;
  if (!isAdmin(me.roles)) {
    showState({ icon: 'weui-icon-info', title: '没有权限', desc: '清单模板由联社党委管理员编辑；您可以在「月度清单」查看完成情况。',
      buttons: [stateButton('查看月度清单', { href: '/checklists.html', primary: true })] });
    return;
  }
  try {
    const r = await api.get('/checklist-templates?limit=24');
    templates = Array.isArray(r.items) ? r.items : [];
    templatesMore = Boolean(r.next);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message, requestId: e.requestId,
      buttons: [stateButton('重试', { onClick: start, primary: true })] });
    return;
  }
  monthChoices();
  showContent();
  loadMonth();
}

start();
