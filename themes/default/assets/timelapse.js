// Timelapse on the live page: the interval switch (POST /api/timelapse {"every"}; without
// JavaScript the same form posts and comes back), what the timelapse is doing (paused and why, the
// last photo), and the list of days, each with a "Make a video" control. That control — also
// included on a day's album page as the timelapse_video partial — POSTs
// /api/timelapse/video?day=D and follows the job live over Server-Sent Events
// (/api/timelapse/video/events): a progress bar, Cancel, and a link to the MP4 when done.
(function () {
  'use strict';
  if (!window.fetch) return;
  var base = document.body.getAttribute('data-base') || '';
  var api = base + '/api/timelapse';
  var box = document.getElementById('timelapse');
  var select = box && box.querySelector('[data-timelapse="every"]');
  var status = box && box.querySelector('[data-timelapse="status"]');
  var dayList = box && box.querySelector('[data-timelapse="days"]');

  function post(url, body) {
    var init = { method: 'POST', headers: { Accept: 'application/json' } };
    if (body) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || (r.status + ' ' + r.statusText));
        return j;
      });
    });
  }

  // --- the day-video controls (any [data-timelapse-video] on the page)
  var controls = {};
  function videoControl(el) {
    var day = el.getAttribute('data-timelapse-video');
    var make = el.querySelector('[data-video="make"]');
    var cancel = el.querySelector('[data-video="cancel"]');
    var bar = el.querySelector('progress');
    var text = el.querySelector('.timelapse-video-status');
    var form = el.querySelector('form');
    controls[day] = function (job) {
      var running = job.state === 'running';
      bar.hidden = !running;
      bar.value = job.percent || 0;
      cancel.hidden = !running;
      make.disabled = running;
      if (running) text.textContent = 'making the video: ' + job.frame + ' of ' + job.total + ' photos';
      else if (job.state === 'done') {
        text.textContent = '';
        var a = document.createElement('a');
        a.href = api + '/video?day=' + encodeURIComponent(day);
        a.textContent = 'video ready';
        text.appendChild(a);
      } else if (job.state === 'cancelled') text.textContent = 'cancelled';
      else if (job.state === 'failed') text.textContent = 'failed: ' + (job.error || '');
    };
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      make.disabled = true;
      post(api + '/video?day=' + encodeURIComponent(day))
        .then(function (job) { controls[day](job); })
        .catch(function (e) { text.textContent = e.message; make.disabled = false; });
    });
    cancel.addEventListener('click', function () {
      cancel.disabled = true;
      post(api + '/video/cancel')
        .catch(function (e) { text.textContent = e.message; })
        .then(function () { cancel.disabled = false; });
    });
  }
  function wireVideos(root) {
    Array.prototype.forEach.call(root.querySelectorAll('[data-timelapse-video]'), function (el) {
      if (!el.hasAttribute('data-wired')) { el.setAttribute('data-wired', ''); videoControl(el); }
    });
  }

  var events = null;
  // A page left for another keeps no stream open: Chrome's back/forward cache keeps a hidden page's
  // EventSource connected, and six such streams use up its connections to the server, so the next
  // page never loads. Back on the page, refresh() opens it again.
  window.addEventListener('pagehide', function () {
    if (events) { events.close(); events = null; }
  });
  window.addEventListener('pageshow', function (e) { if (e.persisted) refresh(); });
  function follow(since) {
    if (events || !window.EventSource) return;
    events = new EventSource(api + '/video/events' + (since ? '?since=' + since : ''));
    events.onmessage = function (m) {
      var job;
      try { job = JSON.parse(m.data); } catch (e) { return; }
      if (controls[job.day]) controls[job.day](job);
      if (job.state !== 'running') refresh();
    };
  }

  // --- the switch and the list of days (live page)
  function dayItem(d) {
    var li = document.createElement('li');
    var label = document.createElement('span');
    label.textContent = d.day + ' · ' + d.photos + ' photo' + (d.photos === 1 ? '' : 's');
    li.appendChild(label);
    var tpl = document.createElement('div');
    tpl.className = 'timelapse-video';
    tpl.setAttribute('data-timelapse-video', d.day);
    tpl.innerHTML = '<form method="post"><button type="submit" data-video="make"></button></form>' +
      '<button type="button" data-video="cancel" hidden>Cancel</button>' +
      '<progress max="100" value="0" hidden></progress><span class="timelapse-video-status" aria-live="polite"></span>';
    tpl.querySelector('[data-video="make"]').textContent = d.video ? 'Make the video again' : 'Make a video';
    li.appendChild(tpl);
    if (d.video) {
      var a = document.createElement('a');
      a.href = api + '/video?day=' + encodeURIComponent(d.day);
      a.textContent = 'video';
      li.appendChild(a);
    }
    return li;
  }

  function show(t) {
    if (!select) return;
    if (document.activeElement !== select) {
      var value = t.enabled ? t.every : 'off';
      if (!select.querySelector('option[value="' + value + '"]')) {
        var o = document.createElement('option');
        o.value = value; o.textContent = value;
        select.appendChild(o);
      }
      select.value = value;
    }
    var words = t.enabled ? 'on, a photo every ' + t.every + ' · ' + t.photos_taken + ' taken since the server started' : 'off';
    if (t.paused) words = 'Timelapse ' + t.paused;
    else if (t.last_error) words += ' · last photo failed: ' + t.last_error;
    status.textContent = words;
    status.className = 'timelapse-status' + (t.paused ? ' paused' : '');
  }

  function refresh() {
    if (document.hidden) return;
    fetch(api, { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (t) {
        show(t);
        if (dayList) {
          dayList.textContent = '';
          t.days.forEach(function (d) { dayList.appendChild(dayItem(d)); });
        }
        wireVideos(document);
        // A day's album page has no list of days: its control links a video made earlier.
        if (!dayList) {
          t.days.forEach(function (d) {
            if (d.video && controls[d.day]) controls[d.day]({ state: 'done' });
          });
        }
        if (t.video && controls[t.video.day]) controls[t.video.day](t.video);
        follow(t.video_events);
      })
      .catch(function () {});
  }

  if (select) {
    var form = box.querySelector('form.timelapse-switch');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      post(api, { every: select.value }).then(show).catch(function (e) { status.textContent = e.message; });
    });
    select.addEventListener('change', function () {
      post(api, { every: select.value }).then(show).catch(function (e) { status.textContent = e.message; });
    });
  }
  wireVideos(document);
  refresh();
  // The live page's box shows photos being taken; a day's album page follows its job over SSE
  // alone (follow() refreshes when a job ends).
  if (select) setInterval(refresh, 5000);
})();
