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

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("[data-show-help]") : null;
    if (btn) App.showHelp();
  });

  // Sizes computed on the server (meter bars, shift blocks, backtest bars) come as
  // data-style="width: 40%; --w: 3%": the Content-Security-Policy forbids inline style
  // attributes, not styles set through the CSSOM, so they are applied here, on page load
  // and on every piece of content htmx swaps in.
  App.applyDataStyles = function (root) {
    var els = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("[data-style]") : []);
    if (root.hasAttribute && root.hasAttribute("data-style")) els.push(root);
    els.forEach(function (el) {
      el.getAttribute("data-style").split(";").forEach(function (decl) {
        var colon = decl.indexOf(":");
        if (colon === -1) return;
        var name = decl.slice(0, colon).trim();
        var value = decl.slice(colon + 1).trim();
        if (name && value) el.style.setProperty(name, value);
      });
    });
  };
  document.addEventListener("DOMContentLoaded", function () { App.applyDataStyles(document); });
  document.addEventListener("htmx:load", function (ev) { App.applyDataStyles(ev.target); });

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
    var sep = before && !/\s$/.test(before) && !/^\s/.test(text) ? " " : "";
    textarea.value = before + sep + text + after;
    var pos = (before + sep + text).length;
    textarea.focus();
    textarea.setSelectionRange(pos, pos);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };
})();

/* The resolve panel: plain-language message helpers and reset after a submit. */
(function () {
  "use strict";
  var App = window.App;

  // How every sentence writes an amount, as the server does (common.money.money_display):
  // "$1,250.00", or "CHF 1,250.00" for a currency without a symbol here.
  var SYMBOLS = { USD: "$", EUR: "\u20ac", GBP: "\u00a3" };
  App.money = function (n, currency) {
    var text = Number(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return SYMBOLS[currency] ? SYMBOLS[currency] + text : currency + " " + text;
  };

  function remedyPhrase(form) {
    var select = form.querySelector("[name=remedy_type]");
    var code = select ? select.value : "";
    var raw = (form.querySelector("[name=amount]") || {}).value || "";
    var n = parseFloat(raw.replace(",", "."));
    var currency = form.getAttribute("data-currency") || "";
    var amount = isFinite(n) && n > 0 ? App.money(n, currency) : "[amount]";
    switch (code) {
      case "refund": return "I've refunded " + amount + "; you'll see it on your statement in 3–5 days.";
      case "store_credit": return "I've added " + amount + " of credit to your account; you can use it right away.";
      case "replacement": return "I'm sending you a replacement today, at no cost to you, and I'll send you the tracking number as soon as it ships.";
      case "goodwill_gesture": return "I've added " + amount + " to your account as a thank-you for your patience.";
      case "fee_waiver": return "I've waived the " + amount + " fee, so you won't be charged for it.";
      case "expedited_shipping": return "I've upgraded your delivery to express, free of charge, so it reaches you sooner.";
      case "apology": return "I've noted this on your account so that it doesn't happen again, and I'll keep an eye on it myself.";
      default: return "Here is what I've done: [what you did].";
    }
  }

  App.remedyPhrase = remedyPhrase; // the playbook's "make it right" step (playbook.js)

  var TEMPLATES = {
    ack: function () { return "You're right — this shouldn't have happened, and I'm sorry it did."; },
    why: function () { return "What happened: [explain in one or two plain sentences why it went wrong]."; },
    do: remedyPhrase,
  };

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("[data-helper]") : null;
    if (!btn) return;
    var form = btn.closest("form");
    var text = TEMPLATES[btn.getAttribute("data-helper")](form);
    var box = form.querySelector("[name=customer_message]");
    var needsBreak = box.value && !/\n$/.test(box.value);
    App.insertText(box, (needsBreak ? "\n" : "") + text);
    var hole = box.value.indexOf("[");
    if (hole !== -1 && btn.getAttribute("data-helper") === "why") {
      var close = box.value.indexOf("]", hole);
      box.setSelectionRange(hole, close + 1);
    }
  });

  // After a successful submit: clear the form for the next remedy, keep the remedy type.
  App.resolveReset = function (form) {
    var select = form.querySelector("[name=remedy_type]");
    var remedy = select ? select.value : null;
    var key = form.querySelector("[name=idempotency_key]");
    var keyValue = key ? key.value : null;
    form.reset();
    if (select) select.value = remedy;
    if (key) key.value = keyValue;
  };

  // A live preview must never paint over what a submit just showed: a preview sent
  // before (or while) the resolve form was submitting answers for the old budget. Each
  // submit starts a new generation; a preview from an older one is not swapped in, and
  // none is sent while a submit is in flight (the submit's answer redraws the meter).
  var resolveGeneration = 0;
  var resolveXhr = null; // the submit's request; done once its readyState is 4
  var shownPreview = null; // the last preview answer swapped in since the last submit
  // The resolve form and the preview's split offer both answer into #submit-result.
  function isSubmit(elt) {
    return elt && elt.getAttribute && elt.getAttribute("hx-target") === "#submit-result";
  }
  function isPreview(elt) {
    return elt && elt.getAttribute && elt.getAttribute("hx-target") === "#preview";
  }
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var elt = ev.detail.elt;
    if (isSubmit(elt)) {
      resolveGeneration += 1;
      resolveXhr = ev.detail.xhr;
      shownPreview = null; // the submit's answer redraws the preview and the meter
    } else if (isPreview(elt)) {
      if (resolveXhr && resolveXhr.readyState !== 4) { ev.preventDefault(); return; }
      ev.detail.xhr.discretionGeneration = resolveGeneration;
    }
  });
  // Checked on htmx:beforeOnLoad, fired on the preview's own element before anything of
  // its answer is handled: cancelling it drops the out-of-band meter too. Not on
  // htmx:beforeSwap: that one fires on the request's target, #preview, which the submit's
  // answer has replaced by then; an event on a detached element never reaches document.
  // An answer the same as the one on screen changes nothing, so it is not redrawn either:
  // the split offer's button stays the element under the agent's pointer (a click whose
  // press straddles a redraw of its button never happens; the blur of the field the
  // agent leaves to click it sends a preview).
  document.addEventListener("htmx:beforeOnLoad", function (ev) {
    var xhr = ev.detail.xhr;
    var sent = xhr ? xhr.discretionGeneration : undefined;
    if (sent === undefined) return;
    if (sent !== resolveGeneration) { ev.preventDefault(); return; }
    if (xhr.status !== 200) return;
    if (xhr.responseText === shownPreview) { ev.preventDefault(); return; }
    shownPreview = xhr.responseText;
  });

  // What a submit answered is always in view: scrolled to only when it is not already
  // (the resolve panel is sticky, but taller than a small window).
  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail.target;
    if (!target || target.id !== "submit-result") return;
    var first = target.querySelector("[data-testid=outcome-headline], [data-testid=split-summary]");
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "nearest" });
  });

  // htmx fires the response's HX-Trigger event (resolution-submitted) on the form.
  document.addEventListener("resolution-submitted", function (ev) {
    // From the form, or from a button inside it (the preview's split offer).
    var form = ev.target && ev.target.closest ? ev.target.closest("[data-reset-on]") : null;
    if (form && form.getAttribute && form.getAttribute("data-reset-on") === "resolution-submitted") {
      App.resolveReset(form);
    }
  });
})();
