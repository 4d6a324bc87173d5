// 隐私政策 / 用户协议: ‹ 返回 goes back to the page that opened the
// document (the registration form, as the renter left it); opened on its
// own (no history), to the home page. (No referrer: Referrer-Policy.)
(function () {
  'use strict';
  var back = document.getElementById('doc-back');
  if (!back || history.length < 2) return;
  back.addEventListener('click', function (ev) { ev.preventDefault(); history.back(); });
}());
