// Camera embeds of markdown pages: a snapshot (<img data-refresh="N">) fetches a new picture
// every N seconds. The next picture loads off-screen and replaces the shown one only once it has
// arrived, so the page never flashes a half-loaded image; nothing is fetched while the tab is
// hidden. (Live embeds are MJPEG and move by themselves; photo embeds reload with the page when
// the gallery changes, through site.js.)
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('img[data-refresh]'), function (img) {
    var every = Math.max(1, +img.getAttribute('data-refresh') || 10) * 1000;
    var base = img.getAttribute('src');
    var sep = base.indexOf('?') >= 0 ? '&' : '?';
    var timer = null;
    function next() {
      timer = null;
      if (document.hidden) return;
      var url = base + sep + 't=' + Date.now();
      var pic = new Image();
      pic.onload = function () { img.src = url; later(); };
      pic.onerror = later;
      pic.src = url;
    }
    function later() {
      if (timer === null) timer = setTimeout(next, every);
    }
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) later();
    });
    later();
  });
})();
