/* Back office: queue keyboard navigation, live countdowns, focus kept across polls. */
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  // --- the supervisor queue -------------------------------------------------------------
  var selectedId = null;
  var selectedIndex = 0;

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-list .queue-item"));
  }

  function select(el, focus) {
    items().forEach(function (i) {
      i.classList.remove("is-selected");
      i.removeAttribute("aria-current");
    });
    if (!el) { selectedId = null; return; }
    el.classList.add("is-selected");
    el.setAttribute("aria-current", "true");
    selectedId = el.getAttribute("data-escalation");
    selectedIndex = items().indexOf(el);
    if (focus) {
      el.focus({ preventScroll: true });
      if (el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
    }
  }

  function current() {
    var list = items();
    if (!list.length) return null;
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-escalation") === selectedId) return list[i];
    }
    return list[Math.min(selectedIndex, list.length - 1)] || list[0];
  }

  var ACTIONS = { a: "approve", l: "lower", d: "deny" };

  document.addEventListener("keydown", function (ev) {
    if (!document.getElementById("queue-list")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var list = items();
    if (!list.length) return;
    var here = current();
    var index = list.indexOf(here);
    if (ev.key === "j" || ev.key === "k") {
      ev.preventDefault();
      if (!selectedId) index = ev.key === "j" ? -1 : list.length;
      var next = ev.key === "j" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
      select(list[next], true);
      return;
    }
    var action = ACTIONS[ev.key];
    if (!action || !here) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    select(here, false);
    var button = here.querySelector('[data-action="' + action + '"]');
    if (button) button.click();
  }, true);

  document.addEventListener("click", function (ev) {
    var item = ev.target.closest && ev.target.closest("#queue-list .queue-item");
    if (item) select(item, false);
  });

  // Keep the selection (and focus, if it was in the list) when the list is re-rendered.
  var refocus = null;
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var list = document.getElementById("queue-list");
    var active = document.activeElement;
    refocus = null;
    // Only a re-render of the list itself moves focus back into it (not a panel load).
    if (!ev.detail || ev.detail.target !== list) return;
    if (list && active && list.contains(active)) {
      var item = active.closest(".queue-item");
      refocus = {
        id: item ? item.getAttribute("data-escalation") : null,
        action: active.getAttribute("data-action"),
      };
    }
  });
  document.addEventListener("htmx:afterSettle", function (ev) {
    // A form loaded into the decision panel (or a matrix cell) takes the focus.
    var target = ev.detail && ev.detail.target;
    if (target && (target.id === "decide-panel" || target.hasAttribute("data-cell"))) {
      var first = target.querySelector("[autofocus]");
      if (first) { first.focus(); if (first.select) first.select(); }
    } else if (target && target.matches && target.matches("td.cell")) {
      var cell = document.getElementById(target.id);
      var field = cell && cell.querySelector("[autofocus]");
      if (field) field.focus();
    }
    if (!document.getElementById("queue-list")) return;
    var el = current();
    if (!selectedId) { tickCountdowns(); return; }
    select(el, false);
    if (refocus && el) {
      var target = refocus.action ? el.querySelector('[data-action="' + refocus.action + '"]') : el;
      (target || el).focus({ preventScroll: true });
    }
    refocus = null;
    tickCountdowns();
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
