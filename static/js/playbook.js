/* Discretion: the repair playbook and the plain-language check. No inline script (CSP).
 *
 * - Any <textarea data-plain-check="/api/v1/messages/check/"> is checked as the agent
 *   types (debounced): the official-sounding phrases are underlined in a mirror under it
 *   and listed with a plainer way to say each and a one-click "Use this". Never blocks.
 * - A <fieldset data-playbook data-message="#id"> composes that message from its steps;
 *   once the message is edited by hand, composing again asks first.
 * - My follow-ups: j/k move, x marks done, o opens the case.
 */
(function () {
  "use strict";
  var App = (window.App = window.App || {});
  var DEBOUNCE_MS = 350;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  // The API's offsets are Unicode code points; JavaScript strings index UTF-16 units.
  function unitOffset(text, codePoints) {
    var units = 0;
    var seen = 0;
    for (var ch of text) {
      if (seen === codePoints) break;
      units += ch.length;
      seen += 1;
    }
    return units;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  // --- the plain-language check ------------------------------------------------------

  function PlainCheck(textarea) {
    this.textarea = textarea;
    this.url = textarea.getAttribute("data-plain-check");
    this.timer = null;
    this.seq = 0;
    this.box = el("div", "plain-check");
    this.box.setAttribute("aria-live", "polite");
    this.box.setAttribute("data-testid", "plain-check");
    this.box.hidden = true;
    textarea.insertAdjacentElement("afterend", this.box);
    var self = this;
    textarea.addEventListener("input", function () { self.schedule(); });
    if (textarea.value) this.schedule();
  }

  PlainCheck.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.run(); }, DEBOUNCE_MS);
  };

  PlainCheck.prototype.run = function () {
    var self = this;
    var body = this.textarea.value;
    var seq = ++this.seq;
    if (!body.trim()) { this.render(body, []); return; }
    fetch(this.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify({ body: body }),
    })
      .then(function (r) { return r.ok ? r.json() : { findings: [] }; })
      .then(function (data) {
        // A slower, older answer never overwrites a newer one; the text must not have moved.
        if (seq === self.seq && self.textarea.value === body) self.render(body, data.findings || []);
      })
      .catch(function () { /* the check is advice: no answer, no underline */ });
  };

  PlainCheck.prototype.render = function (body, findings) {
    var box = this.box;
    var self = this;
    box.textContent = "";
    box.hidden = findings.length === 0;
    if (!findings.length) return;
    var spans = findings.map(function (f) {
      return { start: unitOffset(body, f.start), end: unitOffset(body, f.end), f: f };
    });
    var mirror = el("div", "plain-mirror");
    mirror.setAttribute("aria-hidden", "true");
    var at = 0;
    spans.forEach(function (s) {
      mirror.appendChild(document.createTextNode(body.slice(at, s.start)));
      var mark = el("mark", "plain-flag", body.slice(s.start, s.end));
      mark.title = s.f.suggestion;
      mirror.appendChild(mark);
      at = s.end;
    });
    mirror.appendChild(document.createTextNode(body.slice(at)));
    box.appendChild(mirror);
    var list = el("ul", "plain-findings");
    spans.forEach(function (s) {
      var item = el("li", "plain-finding");
      item.setAttribute("data-testid", "plain-finding");
      item.appendChild(el("q", "plain-phrase", s.f.phrase));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", "plain-suggestion", s.f.suggestion));
      var use = el("button", "btn btn-sm", s.f.replacement ? "Use this" : "Remove it");
      use.type = "button";
      // The accessible name starts with the visible text (WCAG 2.5.3).
      use.setAttribute("aria-label", (s.f.replacement ? "Use this instead of “" : "Remove it: “") + s.f.phrase + "”");
      use.addEventListener("click", function () { self.apply(body, s); });
      item.appendChild(use);
      list.appendChild(item);
    });
    box.appendChild(el("p", "small muted", "Sounds official? Plainer ways to say it (never required):"));
    box.appendChild(list);
  };

  PlainCheck.prototype.apply = function (body, span) {
    var ta = this.textarea;
    if (ta.value !== body) { this.run(); return; } // changed meanwhile: check again first
    var text = span.f.replacement;
    var before = ta.value.slice(0, span.start);
    var after = ta.value.slice(span.end);
    if (!text) { before = before.replace(/[ ,]+$/, ""); after = after.replace(/^[ ,.]+/, " "); }
    ta.value = before + text + after;
    ta.focus();
    var hole = text.indexOf("…");
    var pos = before.length + (hole === -1 ? text.length : hole);
    ta.setSelectionRange(pos, hole === -1 ? pos : pos + 1);
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  };

  App.plainCheckAttach = function (root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("textarea[data-plain-check]").forEach(function (ta) {
      if (!ta._plainCheck) ta._plainCheck = new PlainCheck(ta);
    });
  };

  // --- the playbook composer ---------------------------------------------------------

  function Playbook(fieldset) {
    this.fs = fieldset;
    this.form = fieldset.closest("form");
    this.message = document.querySelector(fieldset.getAttribute("data-message"));
    this.status = fieldset.querySelector("[data-pb-status]");
    this.composed = this.message ? this.message.value : "";
    this.edited = {};
    this.started = false;
    var self = this;
    fieldset.querySelectorAll("[data-step]").forEach(function (input) {
      input.addEventListener("input", function (ev) {
        if (ev.isTrusted) {
          self.edited[input.getAttribute("data-step")] = true;
          self.started = true;
        }
        self.clearError(input);
        self.autoCompose();
      });
      input.addEventListener("change", function () { self.autoCompose(); });
    });
    var compose = fieldset.querySelector("[data-pb-compose]");
    if (compose) compose.addEventListener("click", function () { self.compose(true); });
    if (this.form) {
      ["remedy_type", "amount"].forEach(function (name) {
        var input = self.form.querySelector("[name=" + name + "]");
        if (input) input.addEventListener("input", function () { self.fillRight(); });
        if (input) input.addEventListener("change", function () { self.fillRight(); });
      });
      this.form.addEventListener("submit", function (ev) {
        if (!self.acknowledged()) { ev.preventDefault(); ev.stopImmediatePropagation(); }
      }, true);
      this.form.addEventListener("htmx:beforeRequest", function (ev) {
        if (ev.detail && ev.detail.elt === self.form && !self.acknowledged()) ev.preventDefault();
      });
      this.form.addEventListener("reset", function () {
        setTimeout(function () {
          self.edited = {};
          self.started = false;
          self.composed = "";
          self.setStatus("");
          self.fillRight();
        }, 0);
      });
    }
    this.fillRight();
  }

  Playbook.prototype.step = function (name) {
    return this.fs.querySelector("[data-step=" + name + "]");
  };

  Playbook.prototype.setStatus = function (text) {
    if (this.status) this.status.textContent = text;
  };

  Playbook.prototype.clearError = function (input) {
    if (input.getAttribute("data-step") !== "acknowledge") return;
    var err = document.getElementById("acknowledge-error");
    if (err && input.value.trim()) err.textContent = "";
  };

  // On a complaint or crisis a customer message needs step 1 (the server checks it too).
  Playbook.prototype.acknowledged = function () {
    var ack = this.step("acknowledge");
    if (!ack || !ack.hasAttribute("data-required")) return true;
    if (!this.message || !this.message.value.trim() || ack.value.trim()) return true;
    var err = document.getElementById("acknowledge-error");
    if (err) err.textContent = "Acknowledge first: on a complaint or a crisis, the message starts by owning what went wrong (step 1).";
    ack.setAttribute("aria-invalid", "true");
    ack.focus();
    return false;
  };

  Playbook.prototype.fillRight = function () {
    var right = this.step("right");
    if (!right || this.edited.right || !App.remedyPhrase || !this.form) return;
    right.value = App.remedyPhrase(this.form);
    this.autoCompose();
  };

  Playbook.prototype.fillWhy = function (text) {
    var why = this.step("why");
    if (!why || this.edited.why || !text || why.value === text) return;
    why.value = text;
    why.dispatchEvent(new Event("input", { bubbles: true }));
  };

  Playbook.prototype.text = function () {
    var parts = [];
    var self = this;
    ["acknowledge", "why", "right", "promise"].forEach(function (name) {
      var input = self.step(name);
      var value = input ? input.value.trim() : "";
      if (value) parts.push(value);
    });
    var token = this.step("token");
    if (token && token.checked) {
      var currency = this.fs.getAttribute("data-currency") || "";
      parts.push("I'd also like to give you " + window.App.money(parseFloat(token.getAttribute("data-amount")), currency) + " for the trouble.");
    }
    var due = this.step("follow_up");
    if (due && due.value) {
      var when = new Date(due.value);
      var label = isNaN(when) ? due.value : when.toLocaleDateString(undefined, { weekday: "long", month: "long", day: "numeric" });
      parts.push("I'll check back with you by " + label + " to make sure everything is sorted.");
    }
    return parts.join("\n\n");
  };

  Playbook.prototype.handEdited = function () {
    return this.message && this.message.value !== this.composed && this.message.value.trim() !== "";
  };

  // Steps 2-4 fill themselves from the preview, the remedy and the brand promise, but
  // the message stays empty until the agent works a step (or presses Compose): an agent
  // who writes no message is never asked for an acknowledgement.
  Playbook.prototype.autoCompose = function () {
    if (!this.started) return;
    if (this.handEdited()) {
      this.setStatus("You edited the message: press Compose to rebuild it from the steps.");
      return;
    }
    this.compose(false);
  };

  Playbook.prototype.compose = function (asked) {
    if (!this.message) return;
    if (asked && this.handEdited() &&
        !window.confirm("Replace your edits to the message with one composed from the steps?")) return;
    this.started = true;
    var text = this.text();
    this.message.value = text;
    this.composed = text;
    this.message.dispatchEvent(new Event("input", { bubbles: true }));
    this.setStatus(text ? "Composed from the steps; edit it freely." : "");
  };

  App.playbookAttach = function (root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("fieldset[data-playbook]").forEach(function (fs) {
      if (!fs._playbook) fs._playbook = new Playbook(fs);
    });
  };

  // The live preview says why in plain words (data-say-why): fill step 2 from it.
  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail && ev.detail.target;
    if (!target || target.id !== "preview") return;
    var hint = target.querySelector("[data-say-why]");
    document.querySelectorAll("fieldset[data-playbook]").forEach(function (fs) {
      if (fs._playbook && hint) fs._playbook.fillWhy(hint.getAttribute("data-say-why"));
    });
  });

  // --- My follow-ups: j/k, x, o --------------------------------------------------------

  function followUpKeys(ev) {
    var list = document.querySelector("[data-follow-ups]");
    if (!list || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var a = document.activeElement;
    if (a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA" || a.tagName === "SELECT")) return;
    var rows = Array.prototype.slice.call(list.querySelectorAll("tr[data-follow-up]"));
    if (!rows.length) return;
    var current = a && a.closest ? a.closest("tr[data-follow-up]") : null;
    var index = rows.indexOf(current);
    if (ev.key === "j" || ev.key === "k") {
      ev.preventDefault();
      var next = ev.key === "j" ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
      rows[next].focus();
    } else if (ev.key === "x" && current) {
      var done = current.querySelector("[data-fu-done]");
      if (done) { ev.preventDefault(); done.click(); }
    } else if (ev.key === "o" && current) {
      var open = current.querySelector("[data-fu-open]");
      if (open) { ev.preventDefault(); open.click(); }
    }
  }
  document.addEventListener("keydown", followUpKeys);

  function attach(root) {
    App.plainCheckAttach(root);
    App.playbookAttach(root);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { attach(document); });
  } else {
    attach(document);
  }
  document.addEventListener("htmx:load", function (ev) { attach(ev.target); });
})();
