"""The cache and the Celery transport, from ``REDIS_URL`` (or, without one, files in the
var dir: the embedded default). ``config/settings.py`` calls these."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def cache_settings(redis_url: str, var_dir: Path) -> dict[str, Any]:
    if redis_url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "discretion"),
            }
        }
    # Shared by the web server and the worker processes of the embedded default.
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(var_dir / "cache"),
        }
    }


def broker_transport_options(broker_url: str, var_dir: Path) -> dict[str, Any]:
    if not broker_url.startswith("filesystem://"):
        # No countdown in this app is longer than this: a task reserved by a worker that
        # dies is redelivered after the visibility timeout.
        return {"visibility_timeout": 3600}
    folder = var_dir / "celery"
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        # Broadcast (worker control) messages; kombu's default is ./control in the cwd.
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
