// The live picture's controls. Size and quality are per viewer: each button changes the <img>
// source to /stream?scale=P&quality=Q, which the server encodes once for everyone watching that
// variant. Without JavaScript the same buttons are plain links to /live?scale=P&quality=Q.
// The frame rate choice (/stream?fps=N, for poor networks) caps what this viewer is sent; it costs
// the server no encoding, so it needs JavaScript only to be offered (the select is hidden without).
(function () {
  'use strict';
  var fig = document.getElementById('live');
  if (!fig) return;
  var img = document.getElementById('stream');
  // Under --base-path the server names its prefix in <body data-base> (empty at the root).
  var base = document.body.getAttribute('data-base') || '';
  var q0 = +fig.getAttribute('data-default-quality') || 80;
  var scale = +fig.getAttribute('data-scale') || 100;
  var quality = +fig.getAttribute('data-quality') || q0;
  var fpsMatch = /[?&]fps=(\d+)/.exec(location.search);
  var fps = fpsMatch ? +fpsMatch[1] : 0;
  var fpsSelect = document.querySelector('[data-control="fps"]');
  if (fpsSelect) {
    fpsSelect.value = fps ? String(fps) : '';
    fpsSelect.parentNode.hidden = false;
    fpsSelect.addEventListener('change', function () {
      fps = +fpsSelect.value || 0;
      apply();
    });
  }

  var fullWidth = 0;
  img.addEventListener('load', function () {
    if (scale <= 100 && img.naturalWidth) fullWidth = Math.round(img.naturalWidth * 100 / scale);
  });

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, Math.round(v))); }
  function stat(name) { return document.querySelector('[data-stat="' + name + '"]'); }
  function setText(name, text) { var el = stat(name); if (el) el.textContent = text; }

  function apply() {
    var q = [];
    if (scale !== 100) q.push('scale=' + scale);
    if (quality !== q0) q.push('quality=' + quality);
    if (fps) q.push('fps=' + fps);
    var query = q.length ? '?' + q.join('&') : '';
    img.src = base + '/stream' + query;
    // The server never upscales: past 100% the camera's own frames are shown larger.
    img.style.width = scale > 100 && fullWidth ? Math.round(fullWidth * scale / 100) + 'px' : '';
    if (location.pathname === base + '/live') history.replaceState(null, '', base + '/live' + query);
    setText('view', scale + '% · quality ' + quality + (fps ? ' · ' + fps + ' fps' : ''));
  }

  var actions = {
    shrink: function () { scale = clamp(scale * 0.8, 10, 200); },
    enlarge: function () { scale = clamp(scale * 1.2, 10, 200); },
    lower: function () { quality = clamp(quality * 0.8, 5, 100); },
    raise: function () { quality = clamp(quality * 2, 5, 100); },
    reset: function () {
      scale = 100; quality = q0; fps = 0;
      if (fpsSelect) fpsSelect.value = '';
    }
  };

  Array.prototype.forEach.call(document.querySelectorAll('[data-action]'), function (el) {
    el.addEventListener('click', function (ev) {
      var a = el.getAttribute('data-action');
      if (a === 'fullscreen') {
        ev.preventDefault();
        var full = fig.requestFullscreen || fig.webkitRequestFullscreen;
        if (document.fullscreenElement && document.exitFullscreen) document.exitFullscreen();
        else if (full) full.call(fig);
        return;
      }
      if (actions[a]) {
        ev.preventDefault();
        actions[a]();
        apply();
      }
    });
  });

  // Take photo: with JavaScript, stay on the page and show the photo just taken.
  var form = document.querySelector('form.take-photo');
  var out = document.querySelector('.photo-result');
  if (form && out && window.fetch) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var button = form.querySelector('button');
      button.disabled = true;
      fetch(form.action, { method: 'POST', headers: { Accept: 'application/json' } })
        .then(function (r) {
          if (!r.ok) throw new Error(r.status + ' ' + r.statusText);
          return r.json();
        })
        .then(function (photo) {
          var enc = encodeURIComponent(photo.name);
          var link = document.createElement('a');
          link.href = photo.url || base + '/photos/' + enc;
          var thumb = document.createElement('img');
          thumb.src = photo.file || base + '/pic/' + enc;
          thumb.alt = photo.name;
          var caption = document.createElement('span');
          caption.textContent = 'Saved ' + photo.name;
          link.appendChild(thumb);
          link.appendChild(caption);
          out.textContent = '';
          out.appendChild(link);
          out.hidden = false;
        })
        .catch(function (e) {
          out.textContent = 'Could not take a photo: ' + e.message;
          out.hidden = false;
        })
        .then(function () { button.disabled = false; });
    });
  }

  // Viewers and frame rate, kept current while the page is visible.
  var stateUrl = fig.getAttribute('data-state-url') || base + '/api/state';
  function poll() {
    if (document.hidden || !window.fetch) return;
    fetch(stateUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        setText('status', s.online ? 'live' : 'offline' + (s.status ? ': ' + s.status : ''));
        setText('viewers', String(s.viewers));
        if (s.width) fullWidth = s.width;
        var fps = typeof s.fps_measured === 'number' ? s.fps_measured : 0;
        setText('fps', fps.toFixed(1));
      })
      .catch(function () { setText('status', 'server unreachable'); });
  }
  poll();
  setInterval(poll, 2000);
})();
