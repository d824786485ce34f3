/* Authoring pages only: a Markdown editor (EasyMDE, vendored) with a toolbar, a live preview
   rendered by the server with the lesson page's own pipeline, a phone-width view, a local
   draft, and image/file uploads. Progressive enhancement: without this script the plain
   textarea and the "Preview" button do everything. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-editor-form]");
  var area = form && form.querySelector("textarea[data-markdown]");
  if (!area || !window.fetch || !window.FormData || !window.EasyMDE) { return; }

  function msg(key) { return form.getAttribute("data-msg-" + key) || ""; }
  var token = form.querySelector("input[name=csrf_token]");
  var moduleSelect = form.querySelector("select[name=module]");
  var uploadUrl = form.getAttribute("data-upload-url");

  // --- local draft -----------------------------------------------------------------------
  // Kept per page and field; cleared once a save succeeded (the form redirected elsewhere).
  var draftKey = "lms-draft:" + location.pathname + location.search + ":" + area.name;
  var pending = null;
  try { pending = sessionStorage.getItem("lms-draft-pending"); } catch (e) { pending = null; }
  if (pending) {
    try {
      sessionStorage.removeItem("lms-draft-pending");
      if (pending !== draftKey) { localStorage.removeItem(pending); }
    } catch (e) { /* storage disabled */ }
  }
  function readDraft() { try { return localStorage.getItem(draftKey); } catch (e) { return null; } }
  function writeDraft(text) { try { localStorage.setItem(draftKey, text); } catch (e) { /* full or disabled */ } }
  function dropDraft() { try { localStorage.removeItem(draftKey); } catch (e) { /* disabled */ } }

  // --- the editor ---------------------------------------------------------------------------
  function admonition(kind, title) {
    // A box: with a selection, the selected lines go inside; else the cursor waits inside.
    return function (editor) {
      var cm = editor.codemirror;
      var selected = cm.getSelection();
      var before = cm.getCursor("from").ch === 0 ? "" : "\n\n";
      var head = before + "!!! " + kind + " \"" + title + "\"\n";
      if (selected) {
        cm.replaceSelection(head + selected.split("\n").map(function (l) { return "    " + l; }).join("\n") + "\n");
      } else {
        cm.replaceSelection(head + "    ");
      }
      cm.focus();
    };
  }
  var toolbar = [
    { name: "h2", action: function (e) { EasyMDE.toggleHeading2(e); }, text: "H2", title: msg("h2") },
    { name: "h3", action: function (e) { EasyMDE.toggleHeading3(e); }, text: "H3", title: msg("h3") },
    { name: "bold", action: EasyMDE.toggleBold, text: "B", title: msg("bold") },
    { name: "ul", action: EasyMDE.toggleUnorderedList, text: "• " + msg("list"), title: msg("ul") },
    { name: "ol", action: EasyMDE.toggleOrderedList, text: "1. " + msg("list"), title: msg("ol") },
    { name: "table", action: EasyMDE.drawTable, text: msg("table"), title: msg("table") },
    { name: "link", action: EasyMDE.drawLink, text: msg("link"), title: msg("link") },
    { name: "image", action: uploadUrl ? function (e) { choose(e, "image/*"); } : EasyMDE.drawImage,
      text: msg("image"), title: msg("image") },
    "|",
    { name: "note", action: admonition("note", msg("note")), text: msg("note"), title: msg("note") },
    { name: "example", action: admonition("tip", msg("example")), text: msg("example"), title: msg("example") }
  ];
  if (uploadUrl) {
    toolbar.push({ name: "attach", action: function (e) { choose(e, ".pdf,.xlsx,.docx"); },
      text: msg("file"), title: msg("attach") });
  }
  var draft = readDraft();
  var restored = draft !== null && draft !== area.value;
  if (restored) { area.value = draft; }
  var editor = new EasyMDE({
    element: area,
    toolbar: toolbar,
    autoDownloadFontAwesome: false,
    spellChecker: false,
    nativeSpellcheck: true,
    status: false,
    forceSync: true,
    autofocus: false,
    previewRender: function () { return ""; },
    minHeight: "16rem"
  });
  // The toolbar's buttons carry text, not icon fonts.
  Array.prototype.forEach.call(form.querySelectorAll(".editor-toolbar button"), function (button) {
    button.classList.add("text-button");
  });

  // --- live preview, side by side -------------------------------------------------------
  var wrapper = editor.codemirror.getWrapperElement().parentNode;
  var pane = document.createElement("section");
  pane.className = "live-preview";
  pane.setAttribute("aria-label", msg("live"));
  var bar = document.createElement("div");
  bar.className = "live-preview-bar";
  var heading = document.createElement("strong");
  heading.textContent = msg("live");
  var phone = document.createElement("button");
  phone.type = "button";
  phone.className = "secondary phone-toggle";
  phone.setAttribute("aria-pressed", "false");
  phone.textContent = msg("phone");
  bar.appendChild(heading);
  bar.appendChild(phone);
  var frame = document.createElement("div");
  frame.className = "preview-frame";
  var output = document.createElement("div");
  output.className = "lesson";
  output.setAttribute("aria-live", "polite");
  frame.appendChild(output);
  pane.appendChild(bar);
  pane.appendChild(frame);
  var side = document.createElement("div");
  side.className = "editor-side";
  wrapper.parentNode.insertBefore(side, wrapper);
  side.appendChild(wrapper);
  side.appendChild(pane);
  phone.addEventListener("click", function () {
    var on = frame.classList.toggle("phone");
    phone.setAttribute("aria-pressed", on ? "true" : "false");
  });

  var timer = null;
  var sent = 0;
  function refresh() {
    var body = new FormData();
    body.append("csrf_token", token ? token.value : "");
    body.append("text", editor.value());
    body.append("course", form.getAttribute("data-course") || "");
    var base = form.getAttribute("data-base") || "";
    var slugInput = form.querySelector("input[name=slug]");
    if (form.hasAttribute("data-base-from-slug") && slugInput) { base = slugInput.value; }
    body.append("base", base);
    if (moduleSelect) { body.append("module", moduleSelect.value); }
    var mine = ++sent;
    fetch(form.getAttribute("data-preview-url"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { if (mine === sent) { output.innerHTML = html; } })
      .catch(function () { /* keep the last preview */ });
  }
  function changed() {
    writeDraft(editor.value());
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  }
  editor.codemirror.on("change", changed);
  if (moduleSelect) { moduleSelect.addEventListener("change", changed); }
  refresh();

  if (restored) {
    var note = document.createElement("p");
    note.className = "flash info draft-note";
    note.setAttribute("role", "status");
    note.textContent = msg("draft") + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "secondary";
    discard.textContent = msg("discard");
    discard.addEventListener("click", function () {
      dropDraft();
      editor.value(area.defaultValue);
      note.parentNode.removeChild(note);
    });
    note.appendChild(discard);
    side.parentNode.insertBefore(note, side);
  }
  form.addEventListener("submit", function (event) {
    var action = event.submitter ? event.submitter.value : "save";
    if (action === "save") {
      try { sessionStorage.setItem("lms-draft-pending", draftKey); } catch (e) { /* disabled */ }
    }
  });
  // The form re-rendered by a failed save or a preview keeps the draft: same path, nothing cleared.

  // --- uploads -----------------------------------------------------------------------------
  var picker = null;
  function choose(e, accept) {
    if (!picker) {
      picker = document.createElement("input");
      picker.type = "file";
      picker.hidden = true;
      picker.addEventListener("change", function () {
        if (picker.files && picker.files[0]) { upload(picker.files[0]); }
        picker.value = "";
      });
      form.appendChild(picker);
    }
    picker.accept = accept;
    picker.click();
  }
  function upload(file) {
    var isImage = /^image\//.test(file.type);
    var alt = "";
    if (isImage) {
      alt = window.prompt(msg("alt"), "") || "";
      if (!alt.trim()) { window.alert(msg("alt-empty")); }
    }
    var body = new FormData();
    body.append("csrf_token", token ? token.value : "");
    body.append("file", file);
    var cm = editor.codemirror;
    var placeholder = "[" + msg("uploading") + " " + file.name + "]";
    cm.replaceSelection(placeholder);
    fetch(uploadUrl, { method: "POST", body: body, credentials: "same-origin",
                       headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (result) {
        var text = editor.value();
        var at = text.indexOf(placeholder);
        var insert = "";
        if (result.ok) {
          var label = (alt.trim() || "").replace(/[\[\]]/g, "");
          insert = result.data.kind === "image" ? "![" + label + "](" + result.data.markdown_path + ")"
            : "[" + (result.data.name || file.name).replace(/[\[\]]/g, "") + "](" + result.data.markdown_path + ")";
        } else {
          window.alert(msg("upload-failed") + " " + (result.data.error || ""));
        }
        if (at >= 0) {
          var from = cm.posFromIndex(at);
          var to = cm.posFromIndex(at + placeholder.length);
          cm.replaceRange(insert, from, to);
        }
      })
      .catch(function () { window.alert(msg("upload-failed")); });
  }
  if (uploadUrl) {
    cm_drop(editor.codemirror);
  }
  function cm_drop(cm) {
    cm.on("drop", function (instance, event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) { return; }
      event.preventDefault();
      var pos = instance.coordsChar({ left: event.clientX, top: event.clientY });
      instance.setCursor(pos);
      Array.prototype.forEach.call(files, upload);
    });
  }
})();
