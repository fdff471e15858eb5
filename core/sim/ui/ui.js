// The simulator's pages: the live region follows the simulator by Server-Sent Events, and
// every button and form calls the control API (/sim/...). Nothing here decides anything.
'use strict';
(function () {
  const live = document.getElementById('live');
  const status = document.getElementById('status');

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? 'bad' : 'ok';
  }

  async function call(method, url, body) {
    const init = { method: method, headers: {} };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    try {
      const res = await fetch(url, init);
      if (res.ok) {
        say(method + ' ' + url + ': ' + res.status, false);
        return;
      }
      let detail = res.status + ' ' + res.statusText;
      try {
        const p = await res.json();
        if (p.detail) detail += ': ' + p.detail;
      } catch (e) { /* not JSON */ }
      say(method + ' ' + url + ': ' + detail, true);
    } catch (e) {
      say(method + ' ' + url + ': ' + e, true);
    }
  }

  document.addEventListener('click', function (e) {
    const b = e.target.closest('button[data-post], button[data-delete]');
    if (!b) return;
    e.preventDefault();
    b.disabled = true;
    call(b.dataset.post ? 'POST' : 'DELETE', b.dataset.post || b.dataset.delete);
  });

  // A form with data-post sends its filled-in fields as a JSON object (data-number: a number).
  document.addEventListener('submit', function (e) {
    const f = e.target;
    if (!f.dataset.post) return;
    e.preventDefault();
    const body = {};
    for (const el of f.elements) {
      if (!el.name || el.value === '') continue;
      body[el.name] = el.dataset.number !== undefined ? Number(el.value) : el.value;
    }
    call('POST', f.dataset.post, body);
  });

  // Time left counts down between updates while the simulator runs on the real clock.
  let received = Date.now();
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function tick() {
    const gone = Date.now() - received;
    for (const el of document.querySelectorAll('[data-countdown]')) {
      const s = Math.max(0, Math.floor((Number(el.dataset.countdown) - gone) / 1000));
      el.textContent = Math.floor(s / 60) + ':' + pad(s % 60);
    }
  }
  setInterval(tick, 1000);
  tick();

  if (live && live.dataset.live && window.EventSource) {
    const source = new EventSource(live.dataset.live);
    source.addEventListener('view', function (e) {
      live.innerHTML = e.data;
      received = Date.now();
      tick();
    });
    source.onopen = function () { document.body.classList.add('connected'); };
    source.onerror = function () { document.body.classList.remove('connected'); };
  }
})();
