/* The supervisor queue's keys: j/k select a card visibly (aria-selected on its row, a
   focus ring), a/l/d act on the SELECTED card only. Nothing is selected on load; a key
   with nothing selected does nothing and says so. Approving by key takes a second press
   of a (within 5 s, on the same card): the first only says what the second will do. */
(function () {
  "use strict";

  var CONFIRM_MS = 5000;
  var selectedId = null;
  var selectedIndex = 0;
  var armed = null; // {id, until}: the card the next "a" approves

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-list .queue-item"));
  }

  function say(text) {
    var flash = document.getElementById("queue-flash");
    if (!flash) return;
    flash.textContent = "";
    if (!text) return;
    var p = document.createElement("p");
    p.className = "callout";
    p.setAttribute("data-testid", "queue-key-status");
    p.textContent = text;
    flash.appendChild(p);
  }

  function disarm() { armed = null; }

  function selected() {
    if (!selectedId) return null;
    var list = items();
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-escalation") === selectedId && list[i].classList.contains("is-selected")) return list[i];
    }
    return null;
  }

  function select(el, focus) {
    items().forEach(function (i) {
      i.classList.remove("is-selected");
      i.removeAttribute("aria-current");
      var row = i.closest(".queue-row");
      if (row) row.setAttribute("aria-selected", "false");
    });
    if (!el) { selectedId = null; disarm(); return; }
    var id = el.getAttribute("data-escalation");
    if (armed && armed.id !== id) { disarm(); say(""); }
    el.classList.add("is-selected");
    el.setAttribute("aria-current", "true");
    var row = el.closest(".queue-row");
    if (row) row.setAttribute("aria-selected", "true");
    selectedId = id;
    selectedIndex = items().indexOf(el);
    if (focus) {
      el.focus({ preventScroll: true });
      if (el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
    }
  }

  var ACTIONS = { a: "approve", l: "lower", d: "deny" };

  document.addEventListener("keydown", function (ev) {
    if (!document.getElementById("queue-list")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var list = items();
    if (ev.key === "Escape" && armed) {
      disarm();
      say("Not approved.");
      return;
    }
    if (ev.key === "j" || ev.key === "k") {
      if (!list.length) return;
      ev.preventDefault();
      var here = selected();
      var index = here ? list.indexOf(here) : (ev.key === "j" ? -1 : list.length);
      var next = ev.key === "j" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
      select(list[next], true);
      return;
    }
    var action = ACTIONS[ev.key];
    if (!action) { if (armed) { disarm(); say(""); } return; }
    ev.preventDefault();
    ev.stopImmediatePropagation();
    var card = selected();
    if (!card) {
      disarm();
      say(list.length ? "Select an escalation first: j/k" : "Nothing is waiting.");
      return;
    }
    var button = card.querySelector('[data-action="' + action + '"]');
    if (!button) { say("This card has no " + action + " action: use its buttons."); return; }
    if (action !== "approve") { disarm(); say(""); button.click(); return; }
    var id = card.getAttribute("data-escalation");
    if (armed && armed.id === id && Date.now() <= armed.until) {
      disarm();
      say("");
      button.click();
      return;
    }
    armed = { id: id, until: Date.now() + CONFIRM_MS };
    say(button.getAttribute("data-confirm") || "Press a again to approve.");
  }, true);

  document.addEventListener("click", function (ev) {
    var item = ev.target.closest && ev.target.closest("#queue-list .queue-item");
    if (item) select(item, false);
  });

  // Keep the selection (and focus, if it was in the list) when the list is re-rendered;
  // when the selected card left (decided), the one that took its place is selected,
  // visibly, before any key can act on it.
  var refocus = null;
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var list = document.getElementById("queue-list");
    var active = document.activeElement;
    refocus = null;
    if (!ev.detail || ev.detail.target !== list) return;
    if (list && active && list.contains(active)) {
      refocus = { action: active.getAttribute("data-action") };
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!document.getElementById("queue-list")) return;
    if (!selectedId) return;
    var list = items();
    var el = null;
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-escalation") === selectedId) el = list[i];
    }
    if (!el) {
      disarm();
      el = list[Math.min(selectedIndex, list.length - 1)] || null;
      select(el, false);
      return;
    }
    select(el, false);
    if (refocus) {
      var target = refocus.action ? el.querySelector('[data-action="' + refocus.action + '"]') : el;
      (target || el).focus({ preventScroll: true });
    }
    refocus = null;
  });
})();
