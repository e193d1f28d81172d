// pistream live reload: every page names, in <body data-reload>, the server events that make it
// stale (its markdown source, the nav, the theme, the gallery). The server sends them over
// Server-Sent Events on /events; the browser reconnects by itself if the server restarts.
(function () {
  'use strict';
  var want = (document.body.getAttribute('data-reload') || '').split(/\s+/).filter(Boolean);
  if (!want.length || !window.EventSource) return;
  // Start from the event number the page was rendered at: a change made while the page was
  // loading still reloads it.
  var since = document.body.getAttribute('data-events-since');
  // Under --base-path the server names its prefix in <body data-base> (empty at the root).
  var base = document.body.getAttribute('data-base') || '';
  var events = null;
  function listen() {
    events = new EventSource(base + '/events' + (since ? '?since=' + encodeURIComponent(since) : ''));
    events.onmessage = function (e) {
      if (e.lastEventId) since = e.lastEventId;
      if (want.indexOf(e.data) < 0) return;
      // A page busy with something a reload would lose (photos selected in the gallery) cancels
      // this event and reloads itself once done.
      var stale = new CustomEvent('pistream:stale', { cancelable: true });
      if (!document.dispatchEvent(stale)) return;
      events.close();
      location.reload();
    };
  }
  // A page left for another keeps no stream open: Chrome's back/forward cache keeps a hidden
  // page's EventSource connected, and after six pages the browser's connections to the server are
  // all held by hidden pages and the next page never loads (seen in tests/gallery_browser.rs).
  // Back on a cached page, it listens again from the last event it saw.
  window.addEventListener('pagehide', function () { if (events) { events.close(); events = null; } });
  window.addEventListener('pageshow', function (e) { if (e.persisted && !events) listen(); });
  listen();
})();
