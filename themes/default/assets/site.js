// pistream live reload: every page names, in <body data-reload>, the server events that make it
// stale (its markdown source, the nav, the theme, the gallery). The server sends them over
// Server-Sent Events on /events; the browser reconnects by itself if the server restarts.
(function () {
  'use strict';
  var want = (document.body.getAttribute('data-reload') || '').split(/\s+/).filter(Boolean);
  if (!want.length || !window.EventSource) return;
  var events = new EventSource('/events');
  events.onmessage = function (e) {
    if (want.indexOf(e.data) >= 0) {
      events.close();
      location.reload();
    }
  };
})();
