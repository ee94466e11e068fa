"""The README's two commands and CI's entry point stay wired and documented."""

from __future__ import annotations

import os
import re
import subprocess

from tests.support.paths import ROOT


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text().splitlines()[:6]
    assert any(line.startswith("./dev run") for line in head)
    assert any(line.startswith("./dev test") for line in head)


def test_every_setting_from_the_environment_is_in_the_readme():
    # config/settings.py and the modules it imports settings from (config/security.py).
    settings_source = "\n".join(path.read_text() for path in sorted((ROOT / "config").glob("*.py")))
    assert "SECURE_HSTS_SECONDS" in settings_source
    names = set(
        re.findall(
            r"(?:os\.environ\.get|env_bool|env_list)\(\s*\"([A-Z][A-Z0-9_]+)\"", settings_source
        )
    )
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "TIME_ZONE"} <= names
    if "dj_database_url.config(" in settings_source:
        names.add("DATABASE_URL")  # read by dj-database-url itself
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"README.md's configuration table lacks {missing}"


def test_dev_and_ci_scripts_are_executable_bash():
    for script in ("dev", ".ci/run"):
        path = ROOT / script
        assert os.access(path, os.X_OK), script
        subprocess.run(["bash", "-n", str(path)], check=True)
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()


def test_dev_help_lists_the_commands_and_unknown_ones_fail():
    shown = subprocess.run([str(ROOT / "dev"), "help"], capture_output=True, text=True, check=True)
    for command in ("run", "test", "pytest", "worker", "lint", "bench", "manage"):
        assert f"./dev {command}" in shown.stdout
    wrong = subprocess.run([str(ROOT / "dev"), "deploy"], capture_output=True, text=True)
    assert wrong.returncode != 0
    assert "Unknown command: deploy" in wrong.stderr
