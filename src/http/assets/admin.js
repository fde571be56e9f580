/* Tidings console: progressive enhancement only; every page works without this file. */
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  /* Live send progress over server-sent events. */
  function fmtEta(p) {
    if (p.status === 'completed' || p.status === 'cancelled') return '—';
    if (!p.rate || !p.pending) return p.pending ? 'estimating…' : '—';
    var s = Math.ceil(p.pending / p.rate);
    return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  }
  function setText(root, key, value) {
    var el = root.querySelector('[data-k="' + key + '"]');
    if (el) el.textContent = String(value);
  }
  var card = document.querySelector('[data-events]');
  if (card && window.EventSource) {
    var bar = card.querySelector('progress');
    // The state the server rendered: the first event may already differ (a pause between the render
    // and the stream's start), and the buttons on the page are then stale.
    var lastStatus = card.getAttribute('data-status');
    var es = new EventSource(card.getAttribute('data-events'));
    var update = function (ev) {
      var p = JSON.parse(ev.data);
      var done = p.total - p.pending;
      var pct = p.total ? Math.floor((done / p.total) * 100) : p.prepared ? 100 : 0;
      if (bar) { bar.value = pct; bar.textContent = pct + '%'; }
      setText(card, 'percent', pct + '%');
      setText(card, 'done', done);
      setText(card, 'total', p.total);
      ['sent', 'skipped', 'failed', 'uncertain', 'pending'].forEach(function (k) { setText(card, k, p[k]); });
      setText(card, 'rate', p.rate + '/s');
      setText(card, 'eta', fmtEta(p));
      var badge = card.querySelector('[data-k="status"] .badge');
      if (badge) { badge.textContent = p.status; badge.className = 'badge badge-' + p.status; }
      card.setAttribute('data-status', p.status);
      // Pause/resume buttons and the report depend on the state: reload once it changes.
      if (lastStatus && lastStatus !== p.status) window.location.reload();
      lastStatus = p.status;
    };
    es.addEventListener('progress', update);
    es.addEventListener('end', function (ev) {
      update(ev);
      es.close();
      if (!document.getElementById('report')) window.location.reload();
    });
  }

  /* Preview matrix: desktop / mobile width without a reload. */
  var matrix = document.getElementById('matrix');
  document.querySelectorAll('[data-width]').forEach(function (a) {
    a.addEventListener('click', function (e) {
      if (!matrix) return;
      e.preventDefault();
      var mobile = a.getAttribute('data-width') === 'mobile';
      matrix.classList.toggle('mobile', mobile);
      matrix.classList.toggle('desktop', !mobile);
      document.querySelectorAll('[data-width]').forEach(function (b) {
        var on = b === a;
        b.classList.toggle('secondary', !on);
        if (on) b.setAttribute('aria-current', 'true');
        else b.removeAttribute('aria-current');
      });
    });
  });

  /* Issue editor: add and remove sections, items and links in place, then renumber the inputs so
     their names stay the document paths the server maps errors to. */
  var form = document.querySelector('form.issue-form');
  if (!form) return;

  function renumber() {
    form.querySelectorAll('[data-section]').forEach(function (sec, si) {
      var legend = sec.querySelector(':scope > legend');
      if (legend) legend.textContent = 'Section ' + (si + 1);
      rewrite(sec, /sections\[\d+\]/g, 'sections[' + si + ']', /sections-\d+/g, 'sections-' + si, /^(add-item|remove-section):\d+/, '$1:' + si);
      sec.querySelectorAll('[data-item]').forEach(function (item, ii) {
        var l = item.querySelector(':scope > legend');
        if (l) l.textContent = 'Item ' + (ii + 1);
        rewrite(item, /items\[\d+\]/g, 'items[' + ii + ']', /items-\d+/g, 'items-' + ii, /^(add-link|remove-item):(\d+):\d+/, '$1:$2:' + ii);
        item.querySelectorAll('[data-links] > .link-row').forEach(function (row, li) {
          rewrite(row, /links\[\d+\]/g, 'links[' + li + ']', /links-\d+/g, 'links-' + li, null, null);
        });
      });
    });
  }
  function rewrite(root, nameRe, name, idRe, id, opRe, op) {
    root.querySelectorAll('[name],[id],[for],[aria-describedby],button[data-op]').forEach(function (el) {
      if (el.name && el.name !== 'op') el.name = el.name.replace(nameRe, name);
      ['id', 'for', 'aria-describedby'].forEach(function (a) {
        var v = el.getAttribute(a);
        if (v) el.setAttribute(a, v.replace(idRe, id));
      });
      if (opRe && el.getAttribute('data-op')) el.value = el.value.replace(opRe, op);
    });
  }
  function blank(node) {
    node.querySelectorAll('input[type=text],input[type=url],input[type=date],textarea').forEach(function (i) { i.value = ''; });
    node.querySelectorAll('input[type=checkbox]').forEach(function (i) { i.checked = false; });
    node.querySelectorAll('.field-error,.suggestion').forEach(function (e) { e.remove(); });
    node.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); });
    return node;
  }
  form.addEventListener('click', function (e) {
    var btn = e.target.closest('button[data-op]');
    if (!btn) return;
    var op = btn.getAttribute('data-op');
    var item = btn.closest('[data-item]');
    var sec = btn.closest('[data-section]');
    var done = true;
    if (op === 'remove-item' && item && sec.querySelectorAll('[data-item]').length > 1) item.remove();
    else if (op === 'remove-section' && sec && form.querySelectorAll('[data-section]').length > 1) sec.remove();
    else if (op === 'add-item' && sec) {
      var first = sec.querySelector('[data-item]');
      var copy = blank(first.cloneNode(true));
      copy.querySelectorAll('.link-row').forEach(function (r) { r.remove(); });
      sec.querySelector('[data-items]').appendChild(copy);
    } else if (op === 'add-section') {
      var s = blank(form.querySelector('[data-section]').cloneNode(true));
      var items = s.querySelectorAll('[data-item]');
      for (var i = 1; i < items.length; i++) items[i].remove();
      s.querySelectorAll('.link-row').forEach(function (r) { r.remove(); });
      form.querySelector('[data-sections]').appendChild(s);
    } else if (op === 'add-link' && item) {
      var links = item.querySelector('[data-links]');
      var existing = links.querySelector('.link-row');
      if (existing) links.appendChild(blank(existing.cloneNode(true)));
      else done = false; // no row to copy: let the server add one
    } else done = false;
    if (done) {
      e.preventDefault();
      renumber();
    }
  });
})();
