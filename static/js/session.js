/* An expired session met by an htmx request (common/sessions.py answers 401 with
   X-Session-Expired): say so in a banner with a link that opens the login in a new tab,
   and swap nothing, so the form and what was typed in it stay. Once logged in again,
   the next request carries the new CSRF token (read from its cookie on every request). */
(function () {
  "use strict";

  function csrfCookie() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  // Logging in again (in another tab) rotates the CSRF token: use the current one.
  document.addEventListener("htmx:configRequest", function (ev) {
    var token = csrfCookie();
    if (token) ev.detail.headers["X-CSRFToken"] = token;
  });

  function banner(loginUrl) {
    var box = document.getElementById("session-expired");
    if (!box) {
      box = document.createElement("div");
      box.id = "session-expired";
      box.className = "flash session-expired";
      box.setAttribute("role", "alert");
      var p = document.createElement("p");
      p.className = "flash-error";
      p.appendChild(document.createTextNode("Your session expired, so that last action did not go through. "));
      var link = document.createElement("a");
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "Log in again (opens a new tab)";
      link.setAttribute("data-session-login", "");
      p.appendChild(link);
      p.appendChild(document.createTextNode(", then come back: what you typed here is kept, and you can try again."));
      box.appendChild(p);
      var main = document.getElementById("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    box.querySelector("[data-session-login]").href = loginUrl || "/login/";
    box.hidden = false;
  }

  document.addEventListener("htmx:beforeSwap", function (ev) {
    var xhr = ev.detail.xhr;
    if (!xhr || xhr.status !== 401 || !xhr.getResponseHeader("X-Session-Expired")) return;
    ev.detail.shouldSwap = false;
    ev.detail.isError = false; // expected: no htmx error in the console
    banner(xhr.getResponseHeader("X-Login-URL"));
  });

  // Back in: the first request that goes through hides the banner.
  document.addEventListener("htmx:afterRequest", function (ev) {
    var box = document.getElementById("session-expired");
    var xhr = ev.detail.xhr;
    if (box && xhr && xhr.status >= 200 && xhr.status < 400) box.hidden = true;
  });
})();
