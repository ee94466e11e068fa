"""GET /healthz: 200 when the database and the broker answer, else 503 naming the failure."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, connection

from common.health import check_broker

pytestmark = pytest.mark.django_db


def test_healthy_is_200_with_both_ok(client, settings):
    # With REDIS_URL (always in CI) this pings the real Redis; else the filesystem broker.
    broker = settings.REDIS_URL or "filesystem://"
    assert broker == settings.CELERY_BROKER_URL
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_trailing_slash_also_answers(client):
    assert client.get("/healthz/").status_code == 200


def test_needs_no_login_and_refuses_writes(client):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_broker_down_is_503_naming_the_broker_and_is_quick(client, settings):
    # Nothing listens on port 1: connection refused.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")
    assert "broker" in body["detail"]
    assert "database" not in body["detail"]


def test_unroutable_broker_times_out_within_two_seconds(settings):
    # A blackholed address (TEST-NET-1): the connect timeout, not the OS default, applies.
    started = time.monotonic()
    state = check_broker("redis://192.0.2.1:6379/0")
    assert state.startswith("error: ")
    assert time.monotonic() - started < 2.5


def test_database_down_is_503_naming_the_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == "ok"
    assert body["database"] == "error: OperationalError: connection to server at 127.0.0.1 failed"
    assert "database" in body["detail"]


def test_filesystem_broker_is_ok_when_its_folder_is_writable(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
    }
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_filesystem_broker_with_missing_folder_is_503(client, settings, tmp_path):
    missing = tmp_path / "gone"
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(missing),
        "data_folder_out": str(missing),
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == f"error: broker folder {missing} does not exist"
