/* Quiz attempt page: autosave and a countdown. Progressive enhancement only:
   without this script the Save and Finish buttons do everything. */
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave-url");
  var seqInput = form.querySelector("input[name=seq]");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var status = document.getElementById("save-status");
  var dirty = false;
  var busy = false;
  var submitting = false;

  function say(key) {
    if (status) { status.textContent = form.getAttribute("data-msg-" + key) || ""; }
  }

  function fields() {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "seq" && name !== "action") { out.push([name, String(value)]); }
    });
    return out;
  }

  function takeSeq() {
    // Every save gets a new, higher number; the plain form then posts an even higher one.
    var seq = parseInt(seqInput.value, 10) || 1;
    seqInput.value = String(seq + 1);
    return seq;
  }

  function save() {
    if (busy || !dirty || submitting) { return Promise.resolve(); }
    busy = true;
    dirty = false;
    say("saving");
    var body = JSON.stringify({ seq: takeSeq(), fields: fields() });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": tokenInput.value },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        busy = false;
        if (data.status === "closed" && data.review_url) { window.location.assign(data.review_url); return; }
        if (!response.ok) { dirty = true; say("error"); return; }
        var errors = data.errors || {};
        Object.keys(errors).forEach(function (slot) {
          var section = document.getElementById("s" + slot);
          if (section) { section.classList.add("invalid"); }
        });
        if (typeof data.remaining === "number") { remaining = data.remaining; }
        // Answers changed while this save was on its way: save them now, and only then say "saved".
        if (dirty) { return save(); }
        say("saved");
      });
    }).catch(function () {
      busy = false;
      dirty = true;
      say("offline");
    });
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; save(); });
  form.addEventListener("submit", function () { submitting = true; });
  window.setInterval(save, 15000);

  var timer = document.getElementById("timer");
  var value = document.getElementById("timer-value");
  var remaining = timer ? parseInt(timer.getAttribute("data-remaining"), 10) : NaN;
  if (timer && !isNaN(remaining)) {
    var tick = window.setInterval(function () {
      remaining = Math.max(0, remaining - 1);
      var m = Math.floor(remaining / 60);
      var s = remaining % 60;
      value.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (remaining <= 60) { timer.classList.add("low"); }
      if (remaining === 0 && !submitting) {
        window.clearInterval(tick);
        submitting = true;
        var action = document.createElement("input");
        action.type = "hidden";
        action.name = "action";
        action.value = "submit";
        form.appendChild(action);
        form.submit();
      }
    }, 1000);
  }
}());
