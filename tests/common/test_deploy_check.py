"""`manage.py check --deploy` is clean with the README's production settings, and the
HTTPS settings stay off in development.

Each case starts a fresh interpreter, because settings are read once at import.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT


def production_env() -> dict[str, str]:
    """The ``KEY=value`` lines of README's "Production settings" block, placeholders
    (``<50 random characters>``, ``<password>``) filled with random values."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Production settings", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    env = {}
    for line in block.splitlines():
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        assert match, f"not a KEY=value line in README's production settings: {line!r}"
        env[match[1]] = re.sub(r"<[^>]+>", lambda _: secrets.token_urlsafe(50), match[2])
    return env


def run(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DISCRETION_", "SECURE_", "DEBUG", "SECRET_KEY"))
        and key not in {"DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"}
        and not key.endswith("_COOKIE_SECURE")
        # Set by the browser tests' conftest in this process; never in a deployment.
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DISCRETION_VAR_DIR": str(tmp_path / "var"),
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_readme_lists_every_https_setting():
    env = production_env()
    for name in (
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ):
        assert name in env, name
    assert env["DEBUG"] == "0"


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    result = run(
        production_env(), tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_warns_without_them(tmp_path):
    env = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://app@db.internal:5432/discretion",
    }
    result = run(env, tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout, warning


PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
    "'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'preload': s.SECURE_HSTS_PRELOAD, "
    "'proxy': s.SECURE_PROXY_SSL_HEADER, 'session_secure': s.SESSION_COOKIE_SECURE, "
    "'csrf_secure': s.CSRF_COOKIE_SECURE, 'age': s.SESSION_COOKIE_AGE}))"
)


def probe(env: dict[str, str], tmp_path: Path) -> dict:
    result = run(env, tmp_path, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_are_read(tmp_path):
    got = probe(production_env(), tmp_path)
    assert got == {
        "redirect": True,
        "hsts": 31536000,
        "subdomains": True,
        "preload": True,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "session_secure": True,
        "csrf_secure": True,
        "age": 8 * 3600,
    }


def test_https_settings_stay_off_in_development(tmp_path):
    env = {**production_env(), "DEBUG": "1", "DISCRETION_SESSION_IDLE_HOURS": "0.5"}
    got = probe(env, tmp_path)
    assert got == {
        "redirect": False,
        "hsts": 0,
        "subdomains": False,
        "preload": False,
        "proxy": None,
        "session_secure": False,
        "csrf_secure": False,
        "age": 1800,
    }


def test_a_proxy_header_needs_a_name_and_a_value(tmp_path):
    env = {**production_env(), "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}
    result = run(env, tmp_path, "-c", PROBE)
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in result.stderr
