// 关怀模式 (care mode, the MIIT 适老化 guidelines): larger text, stronger
// contrast, bigger controls (css/care.css), remembered on this device in
// localStorage['huzu.care'] = '1'. A classic script in every page's <head>
// (parts/head.html; the CSP allows no inline script), so the class is on
// <html> before the first paint; another tab switching it is followed.
//
// The style sheet is fetched only by those who use the mode: on a slow
// link with six connections per host, one request fewer on every page
// for everybody else. Added while the head is parsed, blocking="render"
// holds the first paint for it like a linked sheet (no flash of the
// small text); switched on later, it simply loads. window.huzuCare(on) is
// 我的's switch.
(function () {
  'use strict';
  var KEY = 'huzu.care';
  var HREF = '/css/care.css';
  function sheet() {
    if (document.getElementById('huzu-care-css')) return;
    var l = document.createElement('link');
    l.id = 'huzu-care-css';
    l.rel = 'stylesheet';
    l.href = HREF;
    l.setAttribute('blocking', 'render');
    document.head.appendChild(l);
  }
  function set(on) {
    if (on) sheet();
    document.documentElement.classList.toggle('huzu-care', on);
  }
  function stored() {
    try { return window.localStorage.getItem(KEY) === '1'; } catch (e) { return false; /* storage off: normal mode */ }
  }
  set(stored());
  window.huzuCare = set;
  window.addEventListener('storage', function (ev) {
    if (ev.key === KEY || ev.key === null) set(stored());
  });
}());
