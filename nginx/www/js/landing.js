// Landing page for scanned building QR codes: /q/<token> -> GET /api/v1/scan/<token>.
import { api, ApiError } from './api.js';

const $ = (id) => document.getElementById(id);

// Returns the token from /q/<token> (trailing slash allowed), or '' if absent or malformed.
function tokenFromPath() {
  const m = location.pathname.match(/^\/q\/([^/]+)\/?$/);
  if (!m) return '';
  try { return decodeURIComponent(m[1]); } catch { return ''; }
}

function setIcon(className) {
  const icon = document.createElement(className === 'loading' ? 'span' : 'i');
  if (className === 'loading') {
    icon.className = 'weui-primary-loading weui-icon_msg';
    const dot = document.createElement('span');
    dot.className = 'weui-primary-loading__dot';
    icon.append(dot);
  } else {
    icon.className = `${className} weui-icon_msg`;
  }
  $('scan-icon').replaceChildren(icon);
}

function render({ icon, title, desc, requestId = '', retry = false }) {
  setIcon(icon);
  $('scan-title').textContent = title;
  $('scan-desc').textContent = desc;
  $('scan-request-id').textContent = requestId ? `请求编号：${requestId}` : '';
  $('scan-tips').hidden = !requestId;
  $('scan-retry').hidden = !retry;
  document.title = `户组 · ${title}`;
}

function renderError(err) {
  const e = err instanceof ApiError ? err : new ApiError({ message: '出现了意外错误，请稍后重试' });
  // A 4xx other than timeouts/throttling means the code itself is bad; otherwise it may work later.
  const transient = e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500;
  render({
    icon: transient ? 'weui-icon-info' : 'weui-icon-warn',
    title: transient ? '暂时无法识别' : '二维码无法识别',
    desc: e.message,
    requestId: e.requestId,
    retry: transient,
  });
}

async function scan() {
  const token = tokenFromPath();
  if (!token) {
    render({ icon: 'weui-icon-warn', title: '二维码无法识别', desc: '链接不完整，请重新扫描楼栋门口的二维码' });
    return;
  }
  try {
    await api.get(`/scan/${encodeURIComponent(token)}`);
    render({ icon: 'weui-icon-success', title: '二维码识别成功', desc: '居住登记、打卡、诉求反映等服务即将开放' });
  } catch (err) {
    renderError(err);
  }
}

$('scan-retry').addEventListener('click', () => {
  render({ icon: 'loading', title: '正在识别二维码…', desc: '请稍候' });
  scan();
});

scan();
