// The live page's Camera section: the camera's own controls (brightness, contrast, exposure, white
// balance, ...) as sliders, checkboxes and menus, built from GET /api/controls. A change is sent as
// POST /api/controls {"name", "value"}; the server applies it to the camera at once, saves it and
// applies it again whenever the camera reopens. While a slider is dragged, at most one request per
// control is in flight: the newest value waits and goes next, so a slow link never queues a backlog.
(function () {
  'use strict';
  var box = document.getElementById('camera');
  if (!box || !window.fetch) return;
  var url = box.getAttribute('data-url') ||
    (document.body.getAttribute('data-base') || '') + '/api/controls';
  var form = box.querySelector('form');
  var status = box.querySelector('.camera-status');
  var inputs = {};
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });

  function say(text) { status.textContent = text || ''; }

  function valueOf(input) {
    if (input.type === 'checkbox') return input.checked;
    return Number(input.value);
  }

  function show(c) {
    var input = inputs[c.name];
    if (!input) return;
    if (input.type === 'checkbox') input.checked = !!c.value;
    else input.value = String(c.value);
    input.disabled = !!(c.read_only || c.inactive);
    input.title = c.inactive ? 'set automatically now (see the auto controls)' : '';
    var out = input.parentNode.querySelector('output');
    if (out) out.textContent = String(c.value);
  }

  function field(c) {
    var label = document.createElement('label');
    label.className = 'control control-' + c.type;
    var name = document.createElement('span');
    name.textContent = c.label;
    var input;
    if (c.type === 'menu') {
      input = document.createElement('select');
      c.menu.forEach(function (item) {
        var o = document.createElement('option');
        o.value = String(item.value);
        o.textContent = item.label;
        input.appendChild(o);
      });
    } else {
      input = document.createElement('input');
      if (c.type === 'bool') {
        input.type = 'checkbox';
      } else {
        input.type = 'range';
        input.min = c.min; input.max = c.max; input.step = c.step;
      }
    }
    input.name = c.name;
    inputs[c.name] = input;
    if (c.type === 'bool') { label.appendChild(input); label.appendChild(name); }
    else { label.appendChild(name); label.appendChild(input); }
    if (c.type === 'int') label.appendChild(document.createElement('output'));
    input.addEventListener(c.type === 'int' ? 'input' : 'change', function () {
      var out = label.querySelector('output');
      if (out) out.textContent = input.value;
      send(c.name, valueOf(input), c.type !== 'int');
    });
    return label;
  }

  // One request in flight per control; the newest value waiting behind it.
  var busy = {}, waiting = {};
  function send(name, value, refresh) {
    if (busy[name]) { waiting[name] = { value: value, refresh: refresh }; return; }
    busy[name] = true;
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ name: name, value: value })
    })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.error || r.status + ' ' + r.statusText);
          return body;
        });
      })
      .then(function (c) {
        say('');
        if (!waiting[name]) show(c);
        // An auto control switches others on or off: fetch everyone's state again.
        if (refresh) load();
      })
      .catch(function (e) { say(e.message); load(); })
      .then(function () {
        busy[name] = false;
        var next = waiting[name];
        delete waiting[name];
        if (next) send(name, next.value, next.refresh);
      });
  }

  var retry = null;
  function load() {
    return fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.error || r.status + ' ' + r.statusText);
          return body;
        });
      })
      .then(function (body) {
        box.hidden = false;
        if (!body.controls.length) {
          say(body.note || 'This camera has no controls.');
          return;
        }
        body.controls.forEach(function (c) {
          if (!inputs[c.name]) form.appendChild(field(c));
          if (!busy[c.name]) show(c);
        });
        box.setAttribute('data-ready', 'true');
      })
      .catch(function (e) {
        box.hidden = false;
        say('Camera controls unavailable: ' + e.message + ' (trying again)');
        clearTimeout(retry);
        retry = setTimeout(load, 5000);
      });
  }

  var reset = box.querySelector('[data-camera=reset]');
  if (reset) {
    reset.addEventListener('click', function () {
      fetch(url, { cache: 'no-store' })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          (body.controls || []).forEach(function (c) {
            if (c.value !== c.default && !c.read_only && !c.inactive) send(c.name, c.default, true);
          });
        });
    });
  }

  load();
})();
