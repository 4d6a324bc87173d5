// App shell: hash-routed tabs (#home, #services, #me), login state, API health footer.
import { api, tokens, ApiError } from './api.js';

const TABS = ['home', 'services', 'me'];

function currentTab() {
  const name = location.hash.slice(1);
  return TABS.includes(name) ? name : 'home';
}

function showTab(name) {
  for (const tab of TABS) {
    const on = tab === name;
    document.getElementById(`panel-${tab}`).hidden = !on;
    const item = document.getElementById(`tab-${tab}`);
    item.classList.toggle('weui-bar__item_on', on);
    item.setAttribute('aria-selected', String(on));
  }
  if (name === 'me') renderMe();
}

function renderMe() {
  const status = document.getElementById('me-status');
  const desc = document.getElementById('me-desc');
  const action = document.getElementById('me-action');
  const loggedIn = Boolean(tokens.access);

  status.textContent = loggedIn ? '已登录' : '未登录';
  desc.hidden = loggedIn;
  action.disabled = !loggedIn;
  action.setAttribute('aria-disabled', String(!loggedIn));
  action.classList.toggle('weui-btn_disabled', !loggedIn);
  action.classList.toggle('weui-btn_primary', !loggedIn);
  action.classList.toggle('weui-btn_default', loggedIn);
  action.textContent = loggedIn ? '退出登录' : '登录（即将开放）';
}

async function checkHealth() {
  const out = document.getElementById('health');
  try {
    const data = await api.get('/health');
    const ok = data && data.status === 'ok';
    out.textContent = ok ? '服务正常' : '服务状态异常';
    out.classList.toggle('huzu-health_bad', !ok);
  } catch (err) {
    out.textContent = err instanceof ApiError ? err.message : '服务状态未知';
    out.classList.add('huzu-health_bad');
  }
}

document.getElementById('me-action').addEventListener('click', () => {
  if (!tokens.access) return;
  tokens.clear();
  renderMe();
});

window.addEventListener('hashchange', () => showTab(currentTab()));
showTab(currentTab());
checkHealth();
