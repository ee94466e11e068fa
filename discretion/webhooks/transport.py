"""The HTTP client of webhook deliveries: ``requests``, with connections pinned to the
address that was checked (against DNS rebinding).

A plain ``requests.post(url)`` lets urllib3 resolve the host again when it connects, so a
check made just before (``targets.webhook_target_check``) leaves a window: a name with a
short TTL may answer a public address to the check and a loopback or private one to the
connection. Here the connection classes resolve the host once, in ``_new_conn``, check
every answer (``targets.webhook_addresses``) and connect the socket to exactly those
addresses; the request still names the host (``Host`` header, TLS SNI and certificate
check by name, which urllib3 takes from ``host``, not from the socket's peer).

Proxies from the environment are ignored (``trust_env = False``): through a proxy the
connection would go to the proxy's address, and the target's would never be checked.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from discretion.webhooks.targets import AddressInfo, webhook_addresses


def socket_connect(
    address: AddressInfo, timeout: float | None, options: Sequence[tuple[int, int, Any]] = ()
) -> socket.socket:
    """A socket connected to one checked getaddrinfo answer (a seam for the tests)."""
    family, kind, proto, _, sockaddr = address
    sock = socket.socket(family, kind, proto)
    try:
        for option in options:
            sock.setsockopt(*option)
        sock.settimeout(timeout)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def checked_socket(conn: HTTPConnection) -> socket.socket:
    """``_new_conn`` of the connections below: a socket on the checked addresses only.
    Raises ``targets.TargetRefused`` (not an OSError: urllib3 does not retry it) when the
    host resolves to an address webhooks may not reach."""
    error: OSError | None = None
    # urllib3's "no timeout given" is a sentinel; the deliveries always give one.
    timeout = conn.timeout if isinstance(conn.timeout, float | int) else socket.getdefaulttimeout()
    for address in webhook_addresses(conn.host, conn.port):
        try:
            return socket_connect(address, timeout, conn.socket_options or ())
        except OSError as failure:  # TimeoutError too: try the next address
            error = failure
    if isinstance(error, TimeoutError):
        message = f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        raise ConnectTimeoutError(conn, message)
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}")


class CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return checked_socket(self)


class CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return checked_socket(self)


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """requests' adapter whose pools open only checked connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {  # type: ignore[attr-defined]
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def checked_session() -> requests.Session:
    """A session for one delivery attempt: checked connections, no proxies, no .netrc."""
    session = requests.Session()
    session.trust_env = False
    adapter = CheckedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
