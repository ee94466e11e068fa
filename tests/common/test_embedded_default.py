"""The decision path on the embedded default (SQLite), which `./dev run` uses.

The rest of the suite runs on PostgreSQL. The hot path is plain SQL (config/sql.py), with
per-backend branches: FOR UPDATE only where it exists, CASTs so SQLite's sums stay
numeric, and batches run one by one. So these suites run again, in a child pytest, on a
fresh SQLite database, with the same money assertions.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITES = [
    "tests/common/test_db.py",
    "tests/trust/test_budgets.py",
    "tests/decisions/test_resolutions_api.py",
    "tests/decisions/test_policy_rules.py",
    "tests/escalations/test_escalations.py",
    "tests/notifications/test_notifications.py",
]


def test_the_decision_path_passes_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
    }
    env.update(DEBUG="1", DISCRETION_VAR_DIR=str(tmp_path))
    vendor = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.db import connection; "
            "print(connection.vendor)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert vendor.stdout.strip() == "sqlite", vendor.stderr

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            # Real threads need row locks and concurrent writers: PostgreSQL only.
            "-k",
            "not concurrent",
            *SUITES,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    summary = out.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary
