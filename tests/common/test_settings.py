"""Settings come from the environment; production refuses to start without a real key.

Each case starts a fresh interpreter, because settings are read once at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'broker': s.CELERY_BROKER_URL, "
    "'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG, "
    "'currency': s.DISCRETION_CURRENCY, 'max_amount': str(s.DISCRETION_MAX_AMOUNT), "
    "'tz': s.TIME_ZONE, 'hosts': s.ALLOWED_HOSTS}))"
)
STRONG_KEY = "k" * 20 + "-a-real-secret-of-40-chars"


def run(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"}
        and not key.startswith("DISCRETION_")
        and key not in {"TIME_ZONE"}
    }
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DISCRETION_VAR_DIR": str(tmp_path / "var"),
            # Required; never connected to here. A test passes "" to leave it unset.
            "DATABASE_URL": "postgres://app@db.internal:5432/discretion",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe(env: dict[str, str], tmp_path: Path) -> dict:
    result = run(env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = run({}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    "weak", ["short", "django-insecure-discretion-development-only"], ids=["short", "dev-key"]
)
def test_production_refuses_a_weak_secret_key(tmp_path, weak):
    result = run({"SECRET_KEY": weak}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_starts_with_a_real_key(tmp_path):
    values = probe({"SECRET_KEY": STRONG_KEY}, tmp_path)
    assert values["debug"] is False


def test_debug_starts_without_a_key(tmp_path: Path) -> None:
    values = probe({"DEBUG": "1"}, tmp_path)
    assert values["debug"] is True
    assert values["engine"] == "django.db.backends.postgresql"
    # Without REDIS_URL: Celery on kombu's filesystem transport, the file cache, in var.
    assert values["broker"] == "filesystem://"
    assert values["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert (tmp_path / "var" / "celery" / "queue").is_dir()


@pytest.mark.parametrize("debug", ["1", "0"])
def test_database_url_is_required(tmp_path: Path, debug: str) -> None:
    result = run({"DEBUG": debug, "SECRET_KEY": STRONG_KEY, "DATABASE_URL": ""}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is not set" in result.stderr
    assert "./dev run" in result.stderr


def test_only_postgresql_is_accepted(tmp_path: Path) -> None:
    result = run({"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}, tmp_path)
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_database_url_and_redis_url_are_used(tmp_path):
    values = probe(
        {
            "SECRET_KEY": STRONG_KEY,
            "DATABASE_URL": "postgres://app@db.internal:5433/discretion",
            "REDIS_URL": "redis://cache.internal:6379/3",
            "DISCRETION_CURRENCY": "EUR",
            "DISCRETION_MAX_AMOUNT": "5000.00",
            "TIME_ZONE": "Europe/Berlin",
            "ALLOWED_HOSTS": "discretion.example.com, api.example.com",
        },
        tmp_path,
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "discretion"
    assert values["broker"] == "redis://cache.internal:6379/3"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["currency"] == "EUR"
    assert values["max_amount"] == "5000.00"
    assert values["tz"] == "Europe/Berlin"
    assert values["hosts"] == ["discretion.example.com", "api.example.com"]
