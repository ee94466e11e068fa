"""Settings of the help-desk integration: the sidebar panel (``/embed/``) and its cookies.

Read from the environment (README, "Configuration"); ``config/settings.py`` imports them
by name. Intake's keys are data (admins create them), not settings.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

from config.env import env_list
from config.security import CSRF_COOKIE_SECURE, SESSION_COOKIE_SECURE

# Who may frame /embed/: Content-Security-Policy frame-ancestors sources, comma-separated,
# e.g. "https://acme.zendesk.com,https://*.zdusercontent.com". Empty: nobody (the panel is
# still served, but no other site can show it). Every other page is never framed.
DISCRETION_EMBED_ORIGINS = env_list("DISCRETION_EMBED_ORIGINS", "")
_SOURCE = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")
for _origin in DISCRETION_EMBED_ORIGINS:
    if not _SOURCE.match(_origin):
        raise ImproperlyConfigured(
            f"DISCRETION_EMBED_ORIGINS: {_origin!r} is not an origin like "
            "https://acme.zendesk.com (or https://*.zendesk.com); separate them with commas."
        )

# A help desk's page and this app are different sites, so a framed panel's cookies are
# third-party: browsers send them only with SameSite=None, and accept that only on Secure
# (HTTPS) cookies. So: None when the panel may be framed and the cookie is Secure; Lax
# otherwise (plain-HTTP development, framed from another port of the same host, which is
# the same site).
_FRAMED = bool(DISCRETION_EMBED_ORIGINS)
SESSION_COOKIE_SAMESITE = "None" if _FRAMED and SESSION_COOKIE_SECURE else "Lax"
CSRF_COOKIE_SAMESITE = "None" if _FRAMED and CSRF_COOKIE_SECURE else "Lax"
