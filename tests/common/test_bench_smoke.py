"""The benchmark's pieces work: the no-database endpoint, and every bench script starts.

No timings are asserted here; ``./dev bench`` measures (bench/README.md).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.paths import ROOT

BODY = {"remedy_type": "refund", "amount": "25.00", "reason": "Benchmark"}


@pytest.mark.django_db
def test_noop_endpoint_answers_without_credentials_or_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/bench/noop/", BODY, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "remedy_type": "refund",
        "amount": "25.00",
        "currency": "USD",
    }
    assert len(queries) == 0


@pytest.mark.django_db
def test_noop_endpoint_goes_through_drf_validation(client):
    response = client.post(
        "/api/v1/bench/noop/",
        {"remedy_type": "refund", "amount": "1.001"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"amount", "reason"}
    assert client.get("/api/v1/bench/noop/").json()["ok"] is True


@pytest.mark.parametrize(
    "script",
    [
        "run.py",
        "scale.py",
        "escalation_latency.py",
        "profile_decision.py",
        "profile_escalation.py",
        "cpu_split.py",
        "hot_rows.py",
    ],
)
def test_bench_scripts_start(script):
    # --help imports the script and its helpers (and Django), touching no database.
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert "usage" in out.stdout


def test_bench_has_the_peer_mode():
    # ./dev bench --peer: django-helpdesk's ticket update, its pins exact (bench/peer_run.py).
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert "--peer" in out.stdout
    pins = [
        line
        for line in (ROOT / "bench" / "peer" / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert "django-helpdesk==2.6.1" in pins
    assert all("==" in line for line in pins)
