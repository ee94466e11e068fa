"""Observability settings: structured logs with a request id, and ``GET /metrics``.

Imported by name into ``config/settings.py``, and by ``gunicorn.conf.py`` before gunicorn
forks (it must not need Django). README, "Configuration" lists the variables.

- ``DISCRETION_LOG_FORMAT``: ``json`` (one JSON object a line: time, level, logger,
  message, request_id, task…; the default without ``DEBUG``, so in production and
  docker-compose) or ``text`` (the default of ``./dev run``). ``common/logs.py``.
- ``DISCRETION_METRICS_ALLOW``: the client addresses (IPs or CIDRs, comma-separated) that
  may read ``/metrics``; default loopback only. Matched against ``REMOTE_ADDR``, never a
  forwarded header a client could forge.
- ``PROMETHEUS_MULTIPROC_DIR``: prometheus_client's multiprocess mode, so the counts of
  every gunicorn worker add up. Always ``<var dir>/prometheus`` (``DISCRETION_METRICS_DIR``
  overrides), set in the environment here, before any metric exists; emptied when
  gunicorn's master starts (``gunicorn.conf.py``) and by ``./dev run``, never by a worker.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_list

_BASE_DIR = Path(__file__).resolve().parent.parent
_VAR_DIR = Path(os.environ.get("DISCRETION_VAR_DIR", _BASE_DIR / "var"))

# --- Metrics ----------------------------------------------------------------------------
PROMETHEUS_MULTIPROC_DIR = os.environ.get("DISCRETION_METRICS_DIR") or str(_VAR_DIR / "prometheus")
# Not setdefault: a child started with another var dir (a test's gunicorn) must not share
# its parent's folder, which gunicorn's master would empty.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_MULTIPROC_DIR
Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)


def metrics_dir_reset() -> None:
    """Empty the multiprocess folder: the counts of a previous run are not this run's.
    Only where the whole process tree starts (gunicorn's master, ``./dev run``)."""
    folder = Path(PROMETHEUS_MULTIPROC_DIR)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


DISCRETION_METRICS_ALLOW = env_list("DISCRETION_METRICS_ALLOW", "127.0.0.1,::1")
for _entry in DISCRETION_METRICS_ALLOW:
    try:
        ipaddress.ip_network(_entry, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DISCRETION_METRICS_ALLOW: {_entry!r} is not an IP address or CIDR network"
        ) from exc

# --- Logs -------------------------------------------------------------------------------
DISCRETION_LOG_FORMAT = os.environ.get("DISCRETION_LOG_FORMAT", "").strip().lower() or (
    "text" if env_bool("DEBUG", False) else "json"
)
if DISCRETION_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("DISCRETION_LOG_FORMAT must be json or text")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "common.logs.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": DISCRETION_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Axes logs every failed login as a warning (the username masked); its INFO is noise.
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
