// Gallery, album and photo pages. Without JavaScript everything still works through plain forms
// and links; with it: Delete asks first and deletes in place, the grid's selection counts itself
// and asks before deleting several, and the photo page is a viewer — arrow keys and swipes go to
// the newer/older photo, D downloads, Delete deletes, Esc goes back to the album, ? lists them.
(function () {
  'use strict';
  var base = document.body.getAttribute('data-base') || '';

  function deleteForm(form) {
    form.addEventListener('submit', function (ev) {
      var name = form.getAttribute('data-name');
      if (!window.confirm('Delete ' + name + '? This cannot be undone.')) {
        ev.preventDefault();
        return;
      }
      if (!window.fetch) return;
      ev.preventDefault();
      fetch(form.action, { method: 'POST', headers: { Accept: 'application/json' } })
        .then(function (r) {
          // 404: someone else deleted it first, which is what was wanted.
          if (!r.ok && r.status !== 404) throw new Error(r.status + ' ' + r.statusText);
          var card = form.closest('.card');
          if (card) { card.parentNode.removeChild(card); updateSelection(); }
          else location.href = form.getAttribute('data-after') || base + '/photos';
        })
        .catch(function (e) { window.alert('Could not delete ' + name + ': ' + e.message); });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('form.delete'), deleteForm);

  // --- The grid's selection.
  var selection = document.getElementById('selection');
  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll('input[form="selection"][name="name"]'));
  }
  // The page went stale (a photo taken or deleted) while photos were selected: reload once the
  // selection is empty again, not under the user's finger (a timelapse adds a photo every tick).
  var stale = false;
  document.addEventListener('pistream:stale', function (ev) {
    if (picks().some(function (c) { return c.checked; })) { ev.preventDefault(); stale = true; }
  });
  function updateSelection() {
    if (!selection) return;
    var all = picks(), chosen = all.filter(function (c) { return c.checked; });
    if (stale && !chosen.length) { location.reload(); return; }
    all.forEach(function (c) { c.closest('.card').classList.toggle('selected', c.checked); });
    var count = selection.querySelector('.selected-count');
    count.hidden = false;
    count.textContent = chosen.length + ' selected';
    selection.querySelector('[data-action="zip-selected"]').disabled = chosen.length === 0;
    selection.querySelector('[data-action="delete-selected"]').disabled = chosen.length === 0;
    var toggle = selection.querySelector('[data-action="select-all"]');
    toggle.hidden = all.length === 0;
    toggle.textContent = all.length && chosen.length === all.length ? 'Select none' : 'Select all';
  }
  if (selection) {
    document.addEventListener('change', function (ev) {
      if (ev.target.matches && ev.target.matches('input[form="selection"]')) updateSelection();
    });
    selection.querySelector('[data-action="select-all"]').addEventListener('click', function () {
      var all = picks(), every = all.every(function (c) { return c.checked; });
      all.forEach(function (c) { c.checked = !every; });
      updateSelection();
    });
    selection.querySelector('[data-action="delete-selected"]').addEventListener('click', function (ev) {
      ev.preventDefault();
      var chosen = picks().filter(function (c) { return c.checked; });
      if (!chosen.length) return;
      var what = chosen.length === 1 ? '1 photo' : chosen.length + ' photos';
      if (!window.confirm('Delete ' + what + '? This cannot be undone.')) return;
      var body = new URLSearchParams();
      body.append('album', selection.elements.album.value);
      chosen.forEach(function (c) { body.append('name', c.value); });
      fetch(selection.action, { method: 'POST', body: body, headers: { Accept: 'application/json' } })
        .then(function (r) {
          if (!r.ok) return r.json().then(function (j) { throw new Error(j.error || r.status); });
          return r.json();
        })
        .then(function (done) {
          var gone = done.deleted.concat(done.missing);
          chosen.forEach(function (c) {
            if (gone.indexOf(c.value) >= 0) { var card = c.closest('.card'); card.parentNode.removeChild(card); }
          });
          updateSelection();
        })
        .catch(function (e) { window.alert('Could not delete: ' + e.message); });
    });
    updateSelection();
  }

  // --- The viewer.
  var viewer = document.querySelector('.viewer');
  if (!viewer) return;
  function go(which) {
    var url = viewer.getAttribute('data-' + which);
    if (url) location.href = url;
  }
  var help = document.getElementById('shortcuts');
  var helpButton = viewer.querySelector('[data-action="help"]');
  function toggleHelp() {
    help.hidden = !help.hidden;
    helpButton.setAttribute('aria-expanded', String(!help.hidden));
  }
  helpButton.addEventListener('click', toggleHelp);
  document.addEventListener('keydown', function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    switch (ev.key) {
      case 'ArrowLeft': go('prev'); break;
      case 'ArrowRight': go('next'); break;
      case 'Escape': if (!help.hidden) toggleHelp(); else go('album'); break;
      case '?': toggleHelp(); break;
      case 'd': case 'D': viewer.querySelector('[data-action="download"]').click(); break;
      case 'f': case 'F': location.href = viewer.querySelector('.full').href; break;
      case 'Delete': case 'Backspace': {
        var form = viewer.querySelector('form.delete');
        if (form.requestSubmit) form.requestSubmit(); else form.querySelector('button').click();
        break;
      }
      default: return;
    }
    ev.preventDefault();
  });
  // Swipe: a mostly sideways move of at least 50 px with one finger; left = older, right = newer.
  var stage = viewer.querySelector('.stage'), start = null;
  stage.addEventListener('touchstart', function (ev) {
    start = ev.touches.length === 1 ? { x: ev.touches[0].clientX, y: ev.touches[0].clientY } : null;
  }, { passive: true });
  stage.addEventListener('touchend', function (ev) {
    if (!start || !ev.changedTouches.length) return;
    var dx = ev.changedTouches[0].clientX - start.x, dy = ev.changedTouches[0].clientY - start.y;
    start = null;
    if (Math.abs(dx) >= 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) go(dx < 0 ? 'next' : 'prev');
  });
  // The next photo is probably next: fetch its page early.
  ['next', 'prev'].forEach(function (which) {
    var url = viewer.getAttribute('data-' + which);
    if (!url) return;
    var link = document.createElement('link');
    link.rel = 'prefetch';
    link.href = url;
    document.head.appendChild(link);
  });
})();
