/* Attendance on a phone that keeps every mark through reloads and dropped connections.
 *
 * Each tap updates the page at once and is queued in localStorage (one entry per person:
 * the latest mark wins). The queue is sent to the page's JSON endpoint (a repeated save is
 * harmless there) and emptied only for the marks the server confirmed; what fails stays
 * queued and is retried every few seconds and when the browser comes back online. The page
 * also polls the endpoint for check-ins. Without JavaScript the plain forms work.
 */
(function () {
  "use strict";
  var root = document.getElementById("attendance");
  if (!root || !window.fetch || !window.localStorage) { return; }
  var key = "lms-attendance-" + root.dataset.day;
  var url = root.dataset.url;
  var statusEl = document.getElementById("sync-status");
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "{}") || {}; } catch (e) { return {}; }
  }
  function store(queue) {
    if (Object.keys(queue).length) { localStorage.setItem(key, JSON.stringify(queue)); }
    else { localStorage.removeItem(key); }
  }
  function row(pid) { return document.getElementById("p" + pid); }
  function show(pid, status, pending) {
    var li = row(pid);
    if (!li) { return; }
    li.querySelectorAll("button.mark").forEach(function (b) {
      b.setAttribute("aria-pressed", b.value === status ? "true" : "false");
    });
    li.classList.toggle("pending", !!pending);
  }
  function report() {
    var n = Object.keys(load()).length;
    statusEl.textContent = n ? root.dataset.msgPending.replace("{n}", n) : root.dataset.msgSaved;
    statusEl.classList.toggle("pending", n > 0);
    statusEl.dataset.pending = String(n);
  }
  function queueMark(pid, status) {
    var queue = load();
    queue[pid] = status;
    store(queue);
    show(pid, status, true);
    report();
  }
  function applyServer(data, queue) {
    var marks = data.marks || {};
    Object.keys(marks).forEach(function (pid) {
      if (!(pid in queue)) { show(pid, marks[pid], false); }
    });
    (data.checked_in || []).forEach(function (pid) {
      var li = row(pid);
      var label = li && li.querySelector("small.checkin");
      if (label) { label.hidden = false; }
    });
  }
  function flush() {
    var queue = load();
    var pids = Object.keys(queue);
    if (sending || !pids.length) { report(); return; }
    sending = true;
    statusEl.textContent = root.dataset.msgSaving;
    var body = JSON.stringify({ marks: pids.map(function (p) { return { person_id: Number(p), status: queue[p] }; }) });
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: body
    }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (data) {
      var now = load();
      (data.saved || []).concat((data.errors || []).map(function (e) { return String(e.person_id); }))
        .forEach(function (pid) {
          // Forget a mark only if it was not changed again while the request ran.
          if (String(pid) in now && now[pid] === queue[pid]) { delete now[pid]; show(pid, queue[pid], false); }
        });
      store(now);
      applyServer(data, now);
    }).catch(function () { /* kept in the queue; retried */ })
      .then(function () { sending = false; report(); });
  }
  function poll() {
    if (sending || !navigator.onLine) { return; }
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { applyServer(data, load()); } })
      .catch(function () { /* offline: try later */ });
  }

  root.querySelectorAll("form.mark-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      if (!button || !button.value) { return; }
      queueMark(form.querySelector("input[name=person_id]").value, button.value);
      flush();
    });
  });
  var all = root.querySelector("form.all-present");
  if (all) {
    all.addEventListener("submit", function (event) {
      event.preventDefault();
      root.querySelectorAll(".mark-row").forEach(function (li) {
        if (!li.querySelector("button.mark[aria-pressed=true]")) { queueMark(li.dataset.person, "present"); }
      });
      flush();
    });
  }
  var queued = load();
  Object.keys(queued).forEach(function (pid) { show(pid, queued[pid], true); });
  report();
  flush();
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  setInterval(poll, 15000);
}());
