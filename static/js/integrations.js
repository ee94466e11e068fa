/* The integrations screen: copy a new key to the clipboard (it is shown once). */
(function () {
  "use strict";

  function say(button, text) {
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (status) status.textContent = text;
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    field.focus();
    field.select();
    var done = function () { say(button, "Copied. Paste it into the help desk now."); };
    var manual = function () { say(button, "Select the key and press Ctrl+C (⌘C) to copy it."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, manual);
    } else {
      try { if (document.execCommand("copy")) { done(); return; } } catch (e) { /* fall through */ }
      manual();
    }
  });

  document.addEventListener("focusin", function (ev) {
    if (ev.target.hasAttribute && ev.target.hasAttribute("data-select-on-focus")) ev.target.select();
  });
})();
