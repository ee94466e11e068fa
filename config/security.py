"""Security settings: HTTPS, cookies, the idle session timeout and the CSP.

Imported by name into ``config/settings.py`` (Django reads settings from that module).
Off by default, for development on http://127.0.0.1 (and ignored with DEBUG); a
production deployment turns them on: README, "Production settings", and
`manage.py check --deploy` (tests/common/test_deploy_check.py) stays clean with them.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_list

DEBUG = env_bool("DEBUG", False)

_HTTPS = not DEBUG
SECURE_SSL_REDIRECT = _HTTPS and env_bool("SECURE_SSL_REDIRECT", False)
# The container healthcheck asks over plain HTTP from inside (docker-compose.yml), and
# Prometheus scrapes /metrics the same way (DISCRETION_METRICS_ALLOW decides who may).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
try:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0")) if _HTTPS else 0
except ValueError as exc:  # pragma: no cover - configuration error
    raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be a whole number of seconds") from exc
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS and env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _HTTPS and env_bool("SECURE_HSTS_PRELOAD", False)
# "HTTP_X_FORWARDED_PROTO,https" behind a proxy that terminates TLS and sets that header
# (and strips it from clients); never without such a proxy.
_PROXY_SSL_HEADER = env_list("SECURE_PROXY_SSL_HEADER", "")
if len(_PROXY_SSL_HEADER) not in (0, 2):
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER is a header and a value: HTTP_X_FORWARDED_PROTO,https"
    )
SECURE_PROXY_SSL_HEADER = (
    (_PROXY_SSL_HEADER[0], _PROXY_SSL_HEADER[1]) if _PROXY_SSL_HEADER and _HTTPS else None
)
SESSION_COOKIE_SECURE = _HTTPS and env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = _HTTPS and env_bool("CSRF_COOKIE_SECURE", False)

# Idle timeout: a browser session ends after this long without a request
# (common/sessions.py moves the expiry forward, at most every 5 minutes).
DISCRETION_SESSION_IDLE_HOURS = float(os.environ.get("DISCRETION_SESSION_IDLE_HOURS", "8"))
SESSION_COOKIE_AGE = max(int(DISCRETION_SESSION_IDLE_HOURS * 3600), 60)

# Content-Security-Policy (django-csp): only the app's own scripts and styles, no inline
# script, no eval, no inline style attribute (templates use classes, and data-style for
# computed sizes, applied by static/js/app.js), never framed. /api/redoc/ relaxes
# style-src for Redoc's runtime <style> tags (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
