// The landing page's head start (a classic script, loaded async beside the
// modules): the scan request leaves as soon as the HTML is parsed, with the
// stored access token, instead of after landing.js and its imports have
// arrived (one round trip instead of three on a slow network). landing.js
// takes the answer from window.huzuEarlyScan when the token and the access
// token are still the ones asked with; anything but a 200 it asks again
// itself (api.js refreshes an expired session).
(function () {
  'use strict';
  if (window.huzuScanStarted) return; // landing.js was first: nothing to do
  var m = location.pathname.match(/^\/q\/([^/]+)\/?$/);
  if (!m || typeof fetch !== 'function') return;
  var token;
  try { token = decodeURIComponent(m[1]); } catch (e) { return; }
  var access = null;
  try { access = localStorage.getItem('huzu.access'); } catch (e) { access = null; }
  var headers = { Accept: 'application/json' };
  if (access) headers.Authorization = 'Bearer ' + access;
  window.huzuEarlyScan = {
    token: token,
    access: access,
    response: fetch('/api/v1/scan/' + encodeURIComponent(token), {
      headers: headers, credentials: 'same-origin', cache: 'no-store',
    }).then(function (res) {
      // The body is always read (an unread one keeps the request open).
      return res.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        return { status: res.status, body: body, requestId: res.headers.get('X-Request-Id') || '' };
      });
    }).catch(function () { return null; }),
  };
}());
