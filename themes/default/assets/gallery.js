// Gallery and photo pages: Delete asks first, then (with JavaScript) deletes without leaving the
// page. Without JavaScript the form posts and the server answers with a redirect to /photos.
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('form.delete'), function (form) {
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
          if (card) card.parentNode.removeChild(card);
          else location.href = form.getAttribute('data-after') ||
            (document.body.getAttribute('data-base') || '') + '/photos';
        })
        .catch(function (e) { window.alert('Could not delete ' + name + ': ' + e.message); });
    });
  });
})();
