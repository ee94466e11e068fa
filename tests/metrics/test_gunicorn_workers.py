"""The production shape: a real gunicorn with two workers and a real Celery worker.

Decisions served by both web workers add up in /metrics (without multiprocess mode each
would answer a scrape with its own count only), and the Celery worker's log lines of a
task a request enqueued carry that request's id.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict

from tests import factories
from tests.support.auth import api_token
from tests.support.faults import Service, free_port, wait_until
from tests.support.metrics import value
from tests.support.worker import wait_for, worker_database_url

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

DECISIONS = 16


def _get(port: int, path: str, **kwargs) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET" if "body" not in kwargs else "POST", path, **kwargs)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def _deciders(folder: Path) -> set[str]:
    """The pids whose counter file holds at least one decision."""
    pids = set()
    for path in folder.glob("counter_*.db"):
        for key, number, _, _ in MmapedDict.read_all_values_from_file(str(path)):
            if "discretion_decisions_total" in key and number > 0:
                pids.add(path.stem.split("_")[-1])
    return pids


@pytest.fixture
def gunicorn():
    tmp = Path(tempfile.mkdtemp(prefix="metrics-"))
    port = free_port(range(8311, 8320))
    env = {
        **os.environ,
        # The broker (and var dir) of the test worker: it consumes what gunicorn enqueues.
        "DATABASE_URL": worker_database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "metrics-test-secret-key-0123456789abcdef-not-for-production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DISCRETION_METRICS_DIR": str(tmp / "prometheus"),
    }
    stale = tmp / "prometheus"
    stale.mkdir(parents=True)
    (stale / "counter_1.db").write_bytes(b"left over from a previous run")
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    service = Service("gunicorn", [*command, "--workers", "2", "--timeout", "30"], env, tmp)
    service.start()

    def ready() -> int:
        """Waited for in the test: gunicorn boots while the Celery worker starts."""
        wait_until(lambda: _get(port, "/healthz")[0] == 200, timeout=45, what=service.tail())
        return port

    try:
        yield ready, stale
    finally:
        service.kill()


def test_decisions_through_two_workers_are_summed(gunicorn, celery_worker, agent):
    ready, folder = gunicorn
    port = ready()
    # on_starting emptied the folder: the stale file of a previous run is gone.
    assert not (folder / "counter_1.db").exists()
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    case = factories.CaseFactory()
    headers = {"Authorization": f"Token {api_token(agent)}", "Content-Type": "application/json"}

    def decide(i: int) -> int:
        amount = "500.00" if i % 4 == 0 else "1.00"  # one in four escalates
        body = json.dumps({"remedy_type": "refund", "amount": amount, "reason": "Late parcel"})
        path = f"/api/v1/cases/{case.pk}/resolutions/"
        traced = {**headers, "X-Request-ID": f"trace-gunicorn-{i:04d}"}
        status, _, answered = _get(port, path, body=body, headers=traced)
        assert answered["X-Request-ID"] == traced["X-Request-ID"]
        return status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(decide, range(DECISIONS)))
    assert statuses == [201] * DECISIONS
    assert len(_deciders(folder)) == 2, "both workers should have decided some"

    # Each scrape lands on either worker: both answer with the sum.
    for _ in range(4):
        status, text, _ = _get(port, "/metrics")
        assert status == 200
        body = text.decode()
        assert value(body, "discretion_decisions_total", outcome="applied") == DECISIONS * 3 / 4
        assert value(body, "discretion_decisions_total", outcome="escalated") == DECISIONS / 4
        assert value(body, "discretion_decision_seconds_count") == DECISIONS
        assert value(body, "discretion_escalations_pending") == DECISIONS / 4

    # The escalation routed by the Celery worker logged under the id of its request.
    wait_for(
        lambda: '"request_id": "trace-gunicorn-0004"' in celery_worker.log_path.read_text(),
        timeout=10,
    )
