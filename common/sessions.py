"""The idle session timeout: a browser session ends after ``SESSION_COOKIE_AGE`` seconds
(``DISCRETION_SESSION_IDLE_HOURS``, default 8 h) without a request.

Django moves a session's expiry only when the session is saved; ``SESSION_SAVE_EVERY_REQUEST``
would save it on every request, a write per htmx poll (the queue polls every 3 s). This
middleware saves it at most once per ``refresh_interval()`` instead, by stamping the time
of the last refresh into the session: the expiry then lies between ``age - interval`` and
``age`` after the last request. Token-authenticated API requests carry no session cookie,
so their session is empty and they pay nothing.

Placed after ``SessionMiddleware`` in ``MIDDLEWARE``, so it sees the response first.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import resolve_url
from django.utils import timezone

STAMP = "_discretion_idle_refreshed"
# The longest the expiry may lag behind the last request.
MAX_REFRESH_SECONDS = 300


def refresh_interval() -> float:
    """Seconds between two refreshes: 5 minutes, or a tenth of a shorter session age."""
    return min(MAX_REFRESH_SECONDS, settings.SESSION_COOKIE_AGE / 10)


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # is_empty() first: a request without a session cookie loads nothing. Then only
        # a signed-in session (loading it turns an expired one into a new, empty one).
        if session is None or session.is_empty() or SESSION_KEY not in session:
            return response
        now = timezone.now().timestamp()
        stamp = session.get(STAMP)
        if (
            session.modified
            or not isinstance(stamp, (int, float))
            or now - stamp >= refresh_interval()
        ):
            # Marks the session modified: SessionMiddleware saves it with a new expiry
            # (now + SESSION_COOKIE_AGE) and sends the cookie again.
            session[STAMP] = now
        return response


# --- An htmx request after the session expired -------------------------------------------

SESSION_EXPIRED_HEADER = "X-Session-Expired"
LOGIN_URL_HEADER = "X-Login-URL"


class HtmxSessionExpiredMiddleware:
    """An htmx request (``HX-Request``) that a view sends to the login page because nobody
    is signed in (the session expired, or was ended in another tab) gets a bodiless 401
    with ``HX-Reswap: none`` instead of the redirect: htmx would follow it and swap the
    login page into the form, wiping the draft. ``static/js/session.js`` shows a banner
    ("Your session expired") with a link that opens the login in a new tab; the page and
    what was typed in it stay as they are.

    Placed after ``AuthenticationMiddleware``; it looks at the response only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") != "true"
            or response.status_code not in (301, 302, 303)
            or getattr(request, "user", None) is None
            or request.user.is_authenticated
        ):
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != login:
            return response
        expired = HttpResponse(status=401)
        expired["HX-Reswap"] = "none"
        expired[SESSION_EXPIRED_HEADER] = "1"
        # Back to the page the request came from, once logged in (HX-Current-URL).
        page = urlsplit(request.headers.get("HX-Current-URL", "")).path or "/"
        expired[LOGIN_URL_HEADER] = f"{login}?{urlencode({'next': page})}"
        return expired
