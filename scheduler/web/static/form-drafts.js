// A form marked data-draft="<key>" (the edit form, a post's 退回 and 取消 reasons) keeps what was typed in this
// tab's sessionStorage until the page shows it done: the edit form by data-saved, a post's card by
// data-draft-done="<key> …" on the note saying it was done. An action refused because the session ended (or a
// page closed by mistake) loses nothing: the next time the form shows in this tab, the words come back, with a
// note (the form's data-draft-note), and can be checked and sent again. Nothing is sent by itself.
(function () {
  "use strict";
  if (!window.sessionStorage) return;
  var prefix = "qm-draft:";
  Array.prototype.forEach.call(document.querySelectorAll("[data-draft-done]"), function (el) {
    el.getAttribute("data-draft-done").split(" ").forEach(function (k) { sessionStorage.removeItem(prefix + k); });
  });
  var same = function (a, b) { return String(a).replace(/\r\n/g, "\n").trim() === String(b).replace(/\r\n/g, "\n").trim(); };
  var keeper = function (form) {
    var key = prefix + form.getAttribute("data-draft");
    var digest = form.querySelector("input[name=digest]") || { value: "" };
    var fields = Array.prototype.filter.call(form.elements, function (el) {
      return (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "hidden")) && el.name;
    });
    var keep = function () {
      var values = {};
      fields.forEach(function (el) { values[el.name] = el.value; });
      try { sessionStorage.setItem(key, JSON.stringify({ digest: digest.value, values: values })); } catch (e) { /* storage full or off */ }
    };
    var counted = function () { // each field's hint ends with its length as the server counted it: count again
      fields.forEach(function (el) {
        var hint = document.getElementById("h-" + el.name);
        if (hint) hint.textContent = hint.textContent.replace(/（现为 \d+ 字）$/, "（现为 " + Array.from(el.value).length + " 字）");
      });
    };
    var draft = null;
    try { draft = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (form.hasAttribute("data-saved") || !draft || !draft.values) {
      sessionStorage.removeItem(key);
    } else if (fields.some(function (el) { return el.name in draft.values && !same(el.value, draft.values[el.name]); })) {
      var shown = { digest: digest.value, values: {} };
      fields.forEach(function (el) {
        shown.values[el.name] = el.value;
        if (el.name in draft.values) el.value = draft.values[el.name];
      });
      digest.value = draft.digest || digest.value; // saved against the version it was typed on: a change made since is reported, not overwritten
      var note = document.createElement("p");
      note.className = "restored";
      if (!document.getElementById("draft-restored")) note.id = "draft-restored"; // the first one on the page
      note.setAttribute("role", "status");
      note.textContent = form.getAttribute("data-draft-note") || "上次没有保存的修改已恢复，请检查后保存。";
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "link";
      drop.textContent = "不要这些修改";
      drop.addEventListener("click", function () {
        fields.forEach(function (el) { el.value = shown.values[el.name]; });
        digest.value = shown.digest;
        sessionStorage.removeItem(key);
        note.remove();
        counted();
      });
      note.appendChild(drop);
      form.parentNode.insertBefore(note, form);
      counted();
    } else {
      sessionStorage.removeItem(key);
    }
    form.addEventListener("input", function () { keep(); counted(); });
    form.addEventListener("submit", keep);
  };
  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), keeper);
})();
