"""Who may frame a page of the sidebar panel (``/embed/``), and nothing else.

Every page of the app says ``frame-ancestors 'none'`` (config/security.py) and
``X-Frame-Options: DENY``. An ``@framable`` view's response instead says
``frame-ancestors <DISCRETION_EMBED_ORIGINS>`` (``'none'`` while that is empty) and has no
X-Frame-Options: with both, a browser that knows CSP obeys frame-ancestors, and one that
does not would refuse every frame, so the CSP alone decides.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

NONE = "'none'"


def embed_origins() -> list[str]:
    return list(settings.DISCRETION_EMBED_ORIGINS)


def framable(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        # django-csp's per-response override (what its @csp_replace sets), computed per
        # request so the setting is read when the page is served.
        response._csp_replace = {"frame-ancestors": embed_origins() or [NONE]}  # type: ignore[attr-defined]
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response

    return wrapped


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _matches(origin: str, source: str) -> bool:
    if "*." not in source:
        return origin == source
    scheme, _, host = source.partition("://*.")
    return origin.startswith(f"{scheme}://") and origin.endswith(f".{host}")


def opened_from_help_desk(request: HttpRequest) -> bool:
    """Whether this request came from a page we trust to open (and so create) a case: a
    framing help desk in DISCRETION_EMBED_ORIGINS or a page of our own (the panel's login,
    after which the browser comes back here). Read from Origin or Referer: a site that only
    links or frames the URL (the request goes out even when the frame is refused) must
    not create cases in an agent's name, so it gets a button to press instead."""
    origin = _origin(request.headers.get("Origin") or request.headers.get("Referer") or "")
    if not origin:
        return False
    if origin == _origin(request.build_absolute_uri("/")):
        return True
    return any(_matches(origin, source) for source in embed_origins())
