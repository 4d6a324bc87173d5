// checklist.html?id=: one building's list for the month. The head ticks
// each item: 正常 (one tap; a photo first where the item needs one) or 有问题
// (a note, a photo, and 同时提交诉求 to open a complaint at the building in
// the same request). Every tick is one POST with its own Idempotency-Key
// per version, answered by the whole list; only the item ticked is drawn
// again, so photos picked for other items stay.
import { api, ApiError, auth } from './api.js';
import { $, el, CHAIN_ROLES, showContent, setBusy, toast, toptips, setFieldError } from './ui.js';
import {
  staffStart, showRefused, writeError, restoreDraft, countBar, monthText, idempotent, uploader, fileRow, when,
} from './duty-kit.js';

const params = new URLSearchParams(location.search);
const id = /^\d{1,18}$/.test(params.get('id') || '') ? params.get('id') : '';
const PHOTO_NEEDED = '这一项需要拍照：请先拍一张现场照片';
const NOTE_NEEDED = '请写一句问题是什么，例如「3 楼灭火器过期」';

let list = null;
let canTick = false;
let categories = null;
const views = new Map(); // position → {node, sig, editing, photo, key}

// ---- The header: progress and completion ---------------------------------------------------

function renderHead() {
  const b = list.building || {};
  document.title = `户组 · ${b.name || ''} ${monthText(list.month)}清单`;
  $('ck-title').textContent = `${b.name || ''}`;
  $('ck-desc').textContent = `${list.title || `${monthText(list.month)}工作清单`} · 截止 ${when(list.due_at)}${list.overdue && !list.completed_at ? ' · 已超时' : ''}`;
  $('ck-progress').replaceChildren(
    countBar('已完成', list.items_done || 0, list.items || 0, { tone: 'done', id: 'ck-count' }),
    list.problems ? el('p', 'ck-problems', `${list.problems} 项有问题`) : '');
  $('ck-complete').hidden = !list.completed_at;
  $('ck-complete').textContent = list.completed_at ? `本月清单已全部完成（${when(list.completed_at)}），谢谢您！` : '';
}

// ---- One item ------------------------------------------------------------------------------------

const STATUS = {
  open: { text: '未检查', cls: 'duty-state_wait' },
  ok: { text: '正常', cls: 'duty-state_new' },
  problem: { text: '有问题', cls: 'duty-state_over' },
};

function errNode(idName) {
  return el('p', { class: 'huzu-field-error duty-err', id: idName, hidden: true });
}

function entryView(e) {
  const pos = e.position;
  const v = views.get(pos) || { key: idempotent() };
  views.set(pos, v);
  v.sig = JSON.stringify(e);
  const s = STATUS[e.status] || STATUS.open;
  const node = el('li', { class: `ck-item ck-item_${e.status}`, id: `item-${pos}`, 'data-status': e.status },
    el('div', 'ck-item__hd',
      el('span', { class: 'ck-item__no', 'aria-hidden': 'true' }, String(pos)),
      el('h2', 'ck-item__title huzu-wrap', e.title),
      el('span', `duty-state ${s.cls}`, s.text)),
    e.hint ? el('p', 'ck-item__hint huzu-wrap', e.hint) : null);

  if (e.status !== 'open' && !v.editing) {
    const again = canTick ? el('button', { class: 'ck-linkbtn', type: 'button', id: `redo-${pos}` }, '重新填写') : null;
    again?.addEventListener('click', () => { v.editing = true; redraw(e); });
    node.append(el('div', 'ck-item__result',
      e.note ? el('p', 'ck-item__note huzu-wrap', e.note) : null,
      fileRow(e.photo ? [e.photo] : [], '检查'),
      e.complaint_id ? el('p', 'ck-item__meta', '已提交诉求 · ', el('a', { href: `/complaint.html?id=${encodeURIComponent(e.complaint_id)}`, id: `complaint-link-${pos}` }, '查看诉求')) : null,
      el('p', 'ck-item__meta', `${(e.done_by && e.done_by.name) || ''} ${when(e.done_at)}`),
      again));
  } else if (canTick) {
    node.append(editor(e, v));
  }
  if (v.node) v.node.replaceWith(node);
  v.node = node;
  return node;
}

function redraw(e) {
  entryView(e);
}

function editor(e, v) {
  const pos = e.position;
  const photoRoot = el('div', { class: 'ck-photo', id: `photo-root-${pos}` });
  v.photo = uploader(photoRoot, { name: `photo-${pos}`, max: 1, label: e.photo_required ? '拍现场照片' : '拍照' });
  const ok = el('button', { class: 'weui-btn weui-btn_primary ck-ok', type: 'button', id: `ok-${pos}` }, '✓ 正常');
  const bad = el('button', { class: 'weui-btn weui-btn_default ck-bad', type: 'button', id: `bad-${pos}`, 'aria-expanded': 'false' }, '有问题');
  const noteId = `note-${pos}`;
  const note = el('textarea', { class: 'weui-textarea ck-note', id: noteId, rows: '3', maxlength: '500', placeholder: '问题是什么，例如「3 楼灭火器过期」', 'aria-describedby': `err-note-${pos}` });
  const noteErr = errNode(`err-note-${pos}`);
  const toggle = el('input', { class: 'weui-switch', type: 'checkbox', id: `complaint-${pos}` });
  const cat = el('select', { class: 'weui-select ck-cat', id: `cat-${pos}`, 'aria-describedby': `err-cat-${pos}` });
  const catErr = errNode(`err-cat-${pos}`);
  const catCell = el('div', { class: 'ck-cat-cell', hidden: true },
    el('label', { class: 'ck-label', for: `cat-${pos}` }, '诉求类型'), cat, catErr);
  const send = el('button', { class: 'weui-btn weui-btn_warn ck-send', type: 'button', id: `send-${pos}` }, '提交问题');
  const problem = el('div', { class: 'ck-problem', id: `problem-${pos}`, hidden: true, 'data-draft-open': '' },
    el('label', { class: 'ck-label', for: noteId }, '问题说明（必填）'), note, noteErr,
    el('label', { class: 'duty-switch ck-switch', for: `complaint-${pos}` },
      el('span', 'duty-switch__text', '同时提交诉求', el('span', 'duty-switch__desc', '交给户组长限时处理')), toggle),
    catCell, send);
  const cancel = v.editing ? el('button', { class: 'ck-linkbtn', type: 'button' }, '取消') : null;
  cancel?.addEventListener('click', () => { v.editing = false; redraw(e); });

  bad.addEventListener('click', () => {
    problem.hidden = !problem.hidden;
    bad.setAttribute('aria-expanded', String(!problem.hidden));
    if (!problem.hidden) note.focus();
  });
  note.addEventListener('input', () => setFieldError({ error: noteErr, input: note }, ''));
  toggle.addEventListener('change', async () => {
    catCell.hidden = !toggle.checked;
    if (toggle.checked) await fillCategories(cat, catErr);
  });
  cat.addEventListener('change', () => setFieldError({ error: catErr, input: cat }, ''));

  const tick = async (status, button, labelText) => {
    if (button.disabled) return;
    setBusy(button, true, '正在提交');
    const other = button === ok ? send : ok;
    other.disabled = true;
    try {
      v.photo.setError('');
      setFieldError({ error: noteErr, input: note }, '');
      setFieldError({ error: catErr, input: cat }, '');
      let ids;
      try {
        if (v.photo.count) setBusy(button, true, '正在上传照片');
        ids = await v.photo.ids();
      } catch (err) {
        v.photo.setError(err.message);
        return;
      }
      const body = { status };
      // Every missing thing is said at once; the first one gets the focus.
      const wrong = [];
      if (e.photo_required && !ids.length) {
        v.photo.setError(PHOTO_NEEDED);
        wrong.push(() => {
          photoRoot.scrollIntoView({ block: 'center' });
          $(`add-photo-${pos}`)?.focus({ preventScroll: true });
        });
      }
      if (ids.length) body.photo = ids[0];
      if (status === 'problem') {
        const text = note.value.trim();
        if (!text) {
          setFieldError({ error: noteErr, input: note }, NOTE_NEEDED);
          wrong.push(() => note.focus());
        }
        body.note = text;
        if (toggle.checked) {
          if (!cat.value) {
            setFieldError({ error: catErr, input: cat }, '请选择诉求类型');
            wrong.push(() => cat.focus());
          }
          body.complaint = { category_id: Number(cat.value) };
        }
      }
      if (wrong.length) {
        wrong[0]();
        return;
      }
      setBusy(button, true, '正在提交');
      const r = await api.post(`/checklists/${encodeURIComponent(id)}/entries/${pos}`, body, { idempotencyKey: v.key(body) });
      v.editing = false;
      v.photo = null;
      apply(r);
      toast(status === 'ok' ? '已打勾' : body.complaint ? '已记下问题，并提交了诉求' : '已记下问题');
    } catch (err) {
      const x = err instanceof ApiError ? err : new ApiError();
      if (x.status === 0 || x.status === 409 || x.status >= 500) {
        toptips('网络不好，还不能确定是否提交成功。请再点一次，不会重复提交。');
        return;
      }
      if (x.status === 422 && x.fields) {
        let placed = false;
        if (x.fields.photo) { v.photo.setError(x.fields.photo); placed = true; }
        if (x.fields.note) { setFieldError({ error: noteErr, input: note }, x.fields.note); problem.hidden = false; placed = true; }
        if (x.fields.complaint) { setFieldError({ error: catErr, input: cat }, x.fields.complaint); placed = true; }
        if (placed) return;
      }
      writeError(x);
    } finally {
      if (button.isConnected) setBusy(button, false, labelText);
      other.disabled = false;
    }
  };
  ok.addEventListener('click', () => tick('ok', ok, '✓ 正常'));
  send.addEventListener('click', () => tick('problem', send, '提交问题'));

  return el('div', 'ck-editor',
    el('p', 'ck-label', e.photo_required ? '现场照片（必拍）' : '现场照片（选填）'),
    photoRoot,
    el('div', 'ck-buttons', ok, bad),
    problem,
    cancel);
}

async function fillCategories(select, errNodeEl) {
  if (categories) {
    if (!select.options.length) fill(select);
    return;
  }
  select.replaceChildren(el('option', { value: '' }, '正在加载…'));
  try {
    const r = await api.get('/complaint-categories');
    categories = (r.items || []).filter((c) => c.active !== false);
    fill(select);
  } catch (err) {
    select.replaceChildren();
    setFieldError({ error: errNodeEl, input: select }, err instanceof ApiError ? err.message : '诉求类型加载失败，请关掉开关再打开重试');
  }
}

function fill(select) {
  select.replaceChildren(el('option', { value: '' }, '请选择'), ...categories.map((c) => el('option', { value: String(c.id) }, c.name)));
}

// ---- The whole list --------------------------------------------------------------------------

// A new answer: the header, and each item whose data changed.
function apply(next) {
  list = next;
  renderHead();
  for (const e of list.entries || []) {
    const v = views.get(e.position);
    if (!v || v.sig !== JSON.stringify(e) || (!v.editing && e.status !== 'open' && v.node.querySelector('.ck-editor'))) entryView(e);
  }
}

async function start() {
  // The list is asked for beside /me: one round trip less on a slow line.
  const pending = auth.loggedIn && id ? api.get(`/checklists/${encodeURIComponent(id)}`) : null;
  pending?.catch(() => {});
  const me = await staffStart({ purpose: '月度工作清单供栋长等工作人员使用', retry: start });
  if (!me) return;
  if (!id) {
    showRefused(new ApiError({ status: 404 }));
    return;
  }
  try {
    list = await pending;
  } catch (err) {
    showRefused(err, start);
    return;
  }
  // The building's head and everyone above in the chain may tick
  // (HZ_RIGHT_CHECKLIST_TICK); the API has the last word.
  canTick = me.roles.some((r) => CHAIN_ROLES.includes(r.role));
  $('ck-readonly').hidden = canTick;
  renderHead();
  $('ck-items').replaceChildren(...(list.entries || []).map(entryView));
  showContent();
  restoreDraft();
}

start();
