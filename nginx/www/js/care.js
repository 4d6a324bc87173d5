// 关怀模式 (care mode, the MIIT 适老化 guidelines): larger text, stronger
// contrast, bigger controls (css/care.css), remembered on this device in
// localStorage['huzu.care'] = '1'. A classic script in every page's <head>
// (parts/head.html; the CSP allows no inline script), so the class is on
// <html> before the first paint; another tab switching it is followed.
(function () {
  'use strict';
  var KEY = 'huzu.care';
  function apply() {
    var on = false;
    try { on = window.localStorage.getItem(KEY) === '1'; } catch (e) { /* storage off: normal mode */ }
    document.documentElement.classList.toggle('huzu-care', on);
  }
  apply();
  window.addEventListener('storage', function (ev) {
    if (ev.key === KEY || ev.key === null) apply();
  });
}());
