/* The agent workspace: Ctrl/⌘+Enter submits a form marked data-submit-shortcut (the
   resolve form) from any of its fields; on the case list j/k select a row (visibly, the
   focus on its link) and Enter opens it. */
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || !(ev.ctrlKey || ev.metaKey)) return;
    var form = ev.target && ev.target.closest ? ev.target.closest("form[data-submit-shortcut]") : null;
    if (!form) return;
    ev.preventDefault();
    // The plain submit (the first button), as a click on it would: htmx takes it from here.
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#case-results tbody tr"));
  }

  function select(row) {
    rows().forEach(function (r) {
      r.classList.remove("is-selected");
      r.removeAttribute("aria-current");
    });
    if (!row) return;
    row.classList.add("is-selected");
    row.setAttribute("aria-current", "true");
    var link = row.querySelector("a[href]");
    if (link) link.focus();
    if (row.scrollIntoView) row.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "j" && ev.key !== "k") return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var list = rows();
    if (!list.length) return;
    ev.preventDefault();
    var here = document.querySelector("#case-results tbody tr.is-selected");
    var index = here ? list.indexOf(here) : (ev.key === "j" ? -1 : list.length);
    var next = ev.key === "j" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
    select(list[next]);
  });
})();
