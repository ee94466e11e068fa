/* Back office: live countdowns, focus for loaded forms, inline editors (the queue's keys: queue.js). */
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  // The supervisor queue's keys and selection: static/js/queue.js.

  // A form loaded into the decision panel (or a matrix cell) takes the focus.
  document.addEventListener("htmx:afterSettle", function (ev) {
    var target = ev.detail && ev.detail.target;
    if (target && (target.id === "decide-panel" || target.hasAttribute("data-cell"))) {
      var first = target.querySelector("[autofocus]");
      if (first) { first.focus(); if (first.select) first.select(); }
    } else if (target && target.matches && target.matches("td.cell")) {
      var cell = document.getElementById(target.id);
      var field = cell && cell.querySelector("[autofocus]");
      if (field) field.focus();
    }
    if (document.getElementById("queue-list")) tickCountdowns();
  });

  // --- countdowns ---------------------------------------------------------------------
  function span(seconds) {
    seconds = Math.abs(Math.round(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + m + "m";
    if (m) return m + "m " + s + "s";
    return s + "s";
  }

  function tickCountdowns() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      var left = (due - now) / 1000;
      el.textContent = left >= 0 ? span(left) + " left" : "overdue by " + span(left);
      el.classList.toggle("is-late", left < 0);
      var item = el.closest(".queue-item");
      if (item) item.classList.toggle("is-late", left < 0 || item.classList.contains("is-late"));
    });
  }
  setInterval(tickCountdowns, 1000);

  // --- admin: close an inline editor with Escape -----------------------------------------
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    var form = ev.target.closest && ev.target.closest("[data-cancel-url]");
    if (!form || !window.htmx) return;
    ev.preventDefault();
    window.htmx.ajax("GET", form.getAttribute("data-cancel-url"), {
      target: form.closest("[data-cell]") || form, swap: "outerHTML",
    });
  });
})();
