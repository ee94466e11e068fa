"""/metrics under a real gunicorn with two workers: decisions served by both add up.

Without multiprocess mode each worker would answer a scrape with its own count only.
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
from tests.support.worker import worker_database_url

pytestmark = pytest.mark.django_db(transaction=True)

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
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": "",  # tasks go to a filesystem broker in the temp var dir
        "DEBUG": "0",
        "SECRET_KEY": "metrics-test-secret-key-0123456789abcdef-not-for-production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DISCRETION_VAR_DIR": str(tmp / "var"),
        "DISCRETION_METRICS_DIR": "",
    }
    stale = tmp / "var" / "prometheus"
    stale.mkdir(parents=True)
    (stale / "counter_1.db").write_bytes(b"left over from a previous run")
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    service = Service("gunicorn", [*command, "--workers", "2", "--timeout", "30"], env, tmp)
    service.start()
    try:
        wait_until(
            lambda: _get(port, "/healthz")[0] == 200, timeout=45, what=f"gunicorn\n{service.tail()}"
        )
        yield port, stale
    finally:
        service.kill()


def test_decisions_through_two_workers_are_summed(gunicorn, agent):
    port, folder = gunicorn
    # on_starting emptied the folder: the stale file of a previous run is gone.
    assert not (folder / "counter_1.db").exists()
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    case = factories.CaseFactory()
    headers = {"Authorization": f"Token {api_token(agent)}", "Content-Type": "application/json"}

    def decide(i: int) -> int:
        amount = "500.00" if i % 4 == 0 else "1.00"  # one in four escalates
        body = json.dumps({"remedy_type": "refund", "amount": amount, "reason": "Late parcel"})
        path = f"/api/v1/cases/{case.pk}/resolutions/"
        return _get(port, path, body=body, headers=headers)[0]

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
