"""Where a webhook may be sent: an http(s) URL whose host resolves only to public
addresses, unless the host is listed in ``DISCRETION_WEBHOOK_ALLOW_HOSTS``.

Checked when an endpoint is saved (a 400 naming ``url``) and again at every attempt,
because a name that resolved to a public address then may resolve to an internal one
now (DNS rebinding): such an attempt fails with the reason as its ``last_error``. At an
attempt the check is made on the very addresses the connection then uses
(``webhook_addresses``, called by ``transport``'s connection when it opens its socket):
the name is resolved once, so no second lookup can answer differently in between.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from common.errors import Invalid
from discretion.webhooks.models import URL_MAX_LENGTH


class TargetRefused(Exception):
    """The URL may not be called now; the message says why, in plain words."""


def webhook_url_parts(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL without credentials; raises TargetRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"Not a valid URL ({error}).") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("Use an http:// or https:// URL.")
    host = (parts.hostname or "").lower()
    if not host:
        raise TargetRefused("The URL names no host.")
    if parts.username or parts.password:
        raise TargetRefused("Leave user names and passwords out of the URL.")
    return host, port or (443 if parts.scheme == "https" else 80)


def _internal(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind, internal in (
        # The most telling name first: several ranges are also "private" to ipaddress.
        ("an unspecified", ip.is_unspecified),
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("a private", ip.is_private),
        ("a reserved", ip.is_reserved),
        ("a non-public", not ip.is_global),
    ):
        if internal:
            return kind
    return None


# One getaddrinfo answer: (family, type, proto, canonname, sockaddr).
AddressInfo = tuple[Any, ...]


def webhook_addresses(host: str, port: int) -> list[AddressInfo]:
    """The addresses ``host`` resolves to now, every one of them allowed; raises
    TargetRefused otherwise. A host listed in ``DISCRETION_WEBHOOK_ALLOW_HOSTS`` may
    resolve anywhere. Connect to these answers, never to the name again."""
    host = host.lower()
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as error:  # ValueError: a NUL; UnicodeError: bad IDNA
        raise TargetRefused(f"The host {host} could not be resolved ({error}).") from None
    if host in settings.DISCRETION_WEBHOOK_ALLOW_HOSTS:
        return list(found)
    for *_, sockaddr in found:
        kind = _internal(str(sockaddr[0]))
        if kind:
            raise TargetRefused(
                f"The host {host} resolves to {sockaddr[0]}, {kind} address: webhooks go "
                "to public addresses only (an admin may list the host in "
                "DISCRETION_WEBHOOK_ALLOW_HOSTS)."
            )
    return list(found)


def webhook_target_check(url: str) -> None:
    """Raise TargetRefused unless ``url`` may be called now (resolves the host; an
    allow-listed host is not looked up)."""
    host, port = webhook_url_parts(url)
    if host in settings.DISCRETION_WEBHOOK_ALLOW_HOSTS:
        return
    webhook_addresses(host, port)


def webhook_url_clean(url: str) -> str:
    """The URL as stored; raises Invalid naming ``url``."""
    url = (url or "").strip()
    if len(url) > URL_MAX_LENGTH:
        problem = f"At most {URL_MAX_LENGTH} characters."
    else:
        try:
            webhook_target_check(url)
        except TargetRefused as refusal:
            problem = str(refusal)
        else:
            return url
    raise Invalid(problem, code="invalid_webhook_url", fields={"url": [problem]})
