"""Reading settings from the environment: the helpers every settings module uses."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def test_process_index() -> int | None:
    """This pytest-xdist test process's index (``gw0`` → 0), or None outside one.

    ``./dev test`` runs one test process per core; each takes its own Redis DB and var
    dir from it (config/settings.py), as pytest-django gives each its own database.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    number = worker.removeprefix("gw")
    return int(number) if worker.startswith("gw") and number.isdigit() else None


def redis_url_shifted(url: str, by: int) -> str:
    """``url`` with its database number moved up by ``by`` (``redis://h:6379/3`` → ``/4``)."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise ImproperlyConfigured(f"REDIS_URL's database must be a number, not {path!r}.")
    database = int(path or 0) + by
    if database > 15:
        raise ImproperlyConfigured(
            f"REDIS_URL's database {int(path or 0)} plus test process {by} is past Redis's "
            "16 databases (0-15): give the tests a lower REDIS_URL database number."
        )
    return urlunsplit(parts._replace(path=f"/{database}"))
