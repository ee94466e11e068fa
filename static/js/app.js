/* Discretion: keyboard shortcuts and small helpers. No dependencies besides htmx. */
(function () {
  "use strict";
  var App = (window.App = window.App || {});

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  App.showHelp = function () {
    var dlg = document.getElementById("shortcut-help");
    if (dlg && !dlg.open) dlg.showModal();
  };

  // Elements with data-shortcut="x" are activated when x is pressed outside a form field.
  // Inputs/selects/textareas are focused instead of clicked.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (typing(document.activeElement)) {
      if (ev.key === "Escape") document.activeElement.blur();
      return;
    }
    if (ev.key === "?") { ev.preventDefault(); App.showHelp(); return; }
    var target = null;
    document.querySelectorAll("[data-shortcut]").forEach(function (el) {
      if (!target && el.getAttribute("data-shortcut") === ev.key && el.offsetParent !== null) target = el;
    });
    if (!target) return;
    ev.preventDefault();
    if (typing(target) || target.hasAttribute("data-shortcut-focus")) {
      target.focus();
      if (target.scrollIntoView) target.scrollIntoView({ block: "center" });
    } else {
      target.click();
    }
  });

  // Forms marked data-once disable their submit buttons on submit (no double submit).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) return;
    if (form.dataset.submitted === "1") { ev.preventDefault(); return; }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.disabled = true;
      b.setAttribute("aria-disabled", "true");
    });
  }, true);

  // Insert text into a textarea at the cursor (message helpers).
  App.insertText = function (textarea, text) {
    if (!textarea) return;
    var start = textarea.selectionStart != null ? textarea.selectionStart : textarea.value.length;
    var end = textarea.selectionEnd != null ? textarea.selectionEnd : start;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    var sep = before && !/\s$/.test(before) ? " " : "";
    textarea.value = before + sep + text + after;
    var pos = (before + sep + text).length;
    textarea.focus();
    textarea.setSelectionRange(pos, pos);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };
})();
