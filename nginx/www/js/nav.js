// Navigation helpers shared by pages: the login page URL and its ?next=
// return path, which must never lead off this site (open-redirect safe).

export const LOGIN_PATH = '/login.html';
export const HOME_ME = '/#me';

// Returns raw as a same-origin path ("/x?y#z") when it is one, else fallback.
// Accepted: a single leading '/', no backslashes, no control or space
// characters (the URL parser drops tabs and newlines, which would turn
// "/\t/evil.example" into "//evil.example"), and after parsing still this
// origin. The login page itself is refused, so that it cannot loop.
export function safeNext(raw, fallback = HOME_ME) {
  if (typeof raw !== 'string' || raw.length > 2000) return fallback;
  if (!/^\/(?![/\\])/.test(raw) || /[\\\u0000-\u0020\u007f-\u009f]/.test(raw)) return fallback;
  let url;
  try {
    url = new URL(raw, location.origin);
  } catch {
    return fallback;
  }
  if (url.origin !== location.origin || url.pathname === LOGIN_PATH) return fallback;
  return url.pathname + url.search + url.hash;
}

// The login page URL that returns to next (a same-origin path) afterwards.
export function loginHref(next) {
  const target = safeNext(next, '');
  return target && target !== HOME_ME ? `${LOGIN_PATH}?next=${encodeURIComponent(target)}` : LOGIN_PATH;
}
