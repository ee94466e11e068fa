"""``GET /healthz``: can this process reach its database and its Celery broker?

200 ``{"database": "ok", "broker": "ok"}`` when both answer, else 503 with the same keys
(the failing one says what went wrong) and a human ``detail``. Both checks are bounded
in time (about 2 s at worst) so a load balancer's probe never hangs on a dead Redis.
No authentication: the body carries no data beyond "ok" or an error class and message.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 1.5


def _describe(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def check_database() -> str:
    """``"ok"`` when the default database answers a trivial query, else the error."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is "not healthy"
        return f"error: {_describe(exc)}"
    return "ok"


def check_broker(url: str | None = None) -> str:
    """``"ok"`` when the Celery broker is reachable, else the error.

    ``redis://`` (and ``rediss://``) is pinged with redis-py and a short socket timeout;
    kombu's ``filesystem://`` transport is healthy when its queue folder exists and is
    writable; any other transport gets one bounded kombu connection attempt.
    """
    url = url if url is not None else settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            import redis

            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
                socket_timeout=BROKER_TIMEOUT_SECONDS,
                retry_on_timeout=False,
            )
            try:
                client.ping()
            finally:
                client.close()
        elif url.startswith("filesystem://"):
            options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
            folder = options.get("data_folder_in")
            if not folder:
                return "error: filesystem:// broker has no data_folder_in configured"
            if not os.path.isdir(folder):
                return f"error: broker folder {folder} does not exist"
            if not os.access(folder, os.W_OK):
                return f"error: broker folder {folder} is not writable"
        else:
            from kombu import Connection

            with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
                conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure is "not healthy"
        return f"error: {_describe(exc)}"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    body: dict[str, str] = {"database": check_database(), "broker": check_broker()}
    failed = [name for name, state in body.items() if state != "ok"]
    if not failed:
        return JsonResponse(body, status=200)
    body["detail"] = (
        "Unhealthy: " + " and ".join(f"the {name} is unreachable" for name in failed) + "."
    )
    return JsonResponse(body, status=503)
