/* The reviews queue: j/k select a card, one key per verdict on the SELECTED card only.
   g good call and b above and beyond save at once; c coach and p policy gap choose the
   verdict and put the focus in the card's note, which Ctrl+Enter (or the button) saves.
   A key never acts on a card that is not visibly selected. */
(function () {
  "use strict";

  var VERDICTS = { g: "good_call", b: "above_and_beyond", c: "coach", p: "policy_gap" };
  var NEEDS_NOTE = { coach: true, policy_gap: true };
  var selectedId = null;
  var selectedIndex = 0;

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("#review-list .review-card"));
  }

  function selected() {
    if (!selectedId) return null;
    var el = document.getElementById("review-" + selectedId);
    return el && el.classList.contains("is-selected") ? el : null;
  }

  function select(el, focus) {
    cards().forEach(function (c) {
      c.classList.remove("is-selected");
      c.removeAttribute("aria-current");
    });
    if (!el) { selectedId = null; return; }
    el.classList.add("is-selected");
    el.setAttribute("aria-current", "true");
    selectedId = el.getAttribute("data-review");
    selectedIndex = cards().indexOf(el);
    if (focus) {
      el.focus({ preventScroll: true });
      if (el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
    }
  }

  function choose(card, verdict) {
    var form = card.querySelector(".review-form");
    if (!form) return;
    form.setAttribute("data-pending-verdict", verdict);
    form.querySelectorAll("[data-verdict]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-verdict") === verdict ? "true" : "false");
    });
    var note = form.querySelector("[data-review-note]");
    if (note) note.focus();
  }

  function save(card, verdict) {
    var button = card.querySelector('.review-form [data-verdict="' + verdict + '"]');
    if (button) button.click();
  }

  document.addEventListener("keydown", function (ev) {
    if (!document.getElementById("review-list")) return;
    if (ev.ctrlKey && ev.key === "Enter" && ev.target.matches && ev.target.matches("[data-review-note]")) {
      var form = ev.target.closest(".review-form");
      var card = ev.target.closest(".review-card");
      var verdict = form && form.getAttribute("data-pending-verdict");
      if (card && verdict) { ev.preventDefault(); select(card, false); save(card, verdict); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var list = cards();
    if (ev.key === "j" || ev.key === "k") {
      if (!list.length) return;
      ev.preventDefault();
      var here = selected();
      var index = here ? list.indexOf(here) : (ev.key === "j" ? -1 : list.length);
      var next = ev.key === "j" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
      select(list[next], true);
      return;
    }
    var verdictKey = VERDICTS[ev.key];
    if (!verdictKey) return;
    var card = selected();
    if (!card) return;  // nothing acts on a card that is not visibly selected
    ev.preventDefault();
    ev.stopImmediatePropagation();
    if (NEEDS_NOTE[verdictKey]) choose(card, verdictKey);
    else save(card, verdictKey);
  }, true);

  document.addEventListener("click", function (ev) {
    var card = ev.target.closest && ev.target.closest("#review-list .review-card");
    if (card) select(card, false);
  });

  // A done card leaves the list: select the one that took its place, so j/k and the
  // verdict keys go on from there (it is visibly selected before any key acts on it).
  document.addEventListener("htmx:afterSettle", function () {
    if (!document.getElementById("review-list")) return;
    if (selectedId && document.getElementById("review-" + selectedId)) {
      select(document.getElementById("review-" + selectedId), false);
      var form = document.querySelector("#review-" + selectedId + " .review-form");
      var note = form && form.querySelector("[data-review-note][aria-invalid=true]");
      if (note) note.focus();
      return;
    }
    var list = cards();
    if (!selectedId || !list.length) { selectedId = null; return; }
    select(list[Math.min(selectedIndex, list.length - 1)], true);
  });
})();
