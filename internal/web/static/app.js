// Tixallo's small script layer. Every page works without it; it only adds
// copy buttons, local times, password reveal and the key-expiry date toggle.
// No inline handlers: the Content-Security-Policy allows script only from
// this file.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function copyText(text, button) {
    var done = function () {
      var old = button.textContent;
      button.textContent = "Copied";
      button.classList.add("is-copied");
      setTimeout(function () { button.textContent = old; button.classList.remove("is-copied"); }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
      return;
    }
    // Plain-HTTP installs have no async clipboard: fall back to a selection.
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "visually-hidden";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selectable */ }
    document.body.removeChild(ta);
  }

  ready(function () {
    // Copy buttons are hidden in the HTML and shown only when they work.
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(target.value !== undefined && target.tagName === "INPUT" ? target.value : target.textContent, button);
      });
    });

    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });

    // Show exact times in the reader's own time zone on hover.
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) el.title = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    });

    document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-toggle-password"));
      if (!input) return;
      button.hidden = false;
      button.setAttribute("aria-controls", input.id);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.textContent = show ? "Hide password" : "Show password";
        button.setAttribute("aria-pressed", show ? "true" : "false");
      });
    });

    // A select that reveals a field only for one of its values.
    document.querySelectorAll("[data-reveal-target]").forEach(function (select) {
      var target = document.getElementById(select.getAttribute("data-reveal-target"));
      var value = select.getAttribute("data-reveal-value");
      if (!target) return;
      var sync = function () { target.hidden = select.value !== value; };
      select.addEventListener("change", sync);
      sync();
    });

    // The reply box turns amber while a note is being written.
    var composer = document.getElementById("reply-form");
    var note = document.getElementById("add-note");
    if (composer && note) {
      note.addEventListener("mouseenter", function () { composer.classList.add("is-note-hover"); });
      note.addEventListener("mouseleave", function () { composer.classList.remove("is-note-hover"); });
      note.addEventListener("focus", function () { composer.classList.add("is-note-hover"); });
      note.addEventListener("blur", function () { composer.classList.remove("is-note-hover"); });
    }
  });
})();
