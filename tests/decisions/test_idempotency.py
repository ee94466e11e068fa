"""Idempotency-Key on POST resolutions: replay, mismatch, in flight, crash recovery."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Resolution
from common.idempotency import idempotency_keys_purge
from discretion.decisions import services as decisions
from discretion.models import BudgetWindow, IdempotencyKey
from tests import factories
from tests.support.auth import api_token

URL = "/api/v1/cases/{}/resolutions/"
BODY = {"remedy_type": "refund", "amount": "20.00", "reason": "damaged box"}


@pytest.fixture
def setup(db, agent, case):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"), daily_max=D("500"))
    return agent, case


def test_replay_returns_the_first_response_and_changes_nothing(api, setup):
    agent, case = setup
    client = api.as_user(agent)
    first = client.post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    audits = AuditEvent.objects.count()
    again = client.post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Resolution.objects.count() == 1
    assert AuditEvent.objects.count() == audits
    assert BudgetWindow.objects.get(user=agent, period="day").used == D("20.00")


def test_replay_of_an_error_response_is_the_same_error(api, setup):
    agent, case = setup
    client = api.as_user(agent)
    bad = {**BODY, "amount": "1.001"}
    first = client.post(URL.format(case.pk), bad, format="json", HTTP_IDEMPOTENCY_KEY="k-err")
    again = client.post(URL.format(case.pk), bad, format="json", HTTP_IDEMPOTENCY_KEY="k-err")
    assert first.status_code == again.status_code == 400
    # Not stored (a validation 400 releases the key): the same error, each with the id of
    # its own request.
    assert {**first.json(), "request_id": None} == {**again.json(), "request_id": None}
    assert first.json()["request_id"] == first["X-Request-ID"] != again["X-Request-ID"]


def test_same_key_different_body_is_422(api, setup):
    agent, case = setup
    client = api.as_user(agent)
    client.post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = client.post(
        URL.format(case.pk), {**BODY, "amount": "21.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert Resolution.objects.count() == 1


def test_keys_are_per_user(api, setup):
    agent, case = setup
    other = factories.UserFactory(role="agent", tier=agent.tier)
    api.as_user(agent).post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    response = api.as_user(other).post(
        URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert response.status_code == 201
    assert Resolution.objects.count() == 2


def test_a_failing_request_releases_its_key(api, setup, monkeypatch):
    agent, case = setup
    client = api.as_user(agent)
    client.raise_request_exception = False

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("discretion.api.resolutions.resolution_request", boom)
    failed = client.post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert failed.status_code == 500
    assert not IdempotencyKey.objects.filter(key="k-4").exists()
    monkeypatch.undo()
    retry = client.post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert retry.status_code == 201


def test_a_stale_in_flight_key_from_a_dead_process_is_taken_over(api, setup):
    agent, case = setup
    old = timezone.now() - timedelta(minutes=10)
    client = api.as_user(agent)
    # What a process killed mid-request leaves: a committed claim, no response, no work.
    from common.idempotency import input_fingerprint  # noqa: F401 - same fingerprint below

    first = client.post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
    key = IdempotencyKey.objects.get(key="k-5")
    Resolution.objects.filter(pk=first.json()["id"]).update(reason="(kept)")
    IdempotencyKey.objects.filter(pk=key.pk).update(
        state="in_flight", response_status=None, response_body=None, updated_at=old
    )
    retry = client.post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
    assert retry.status_code == 201
    assert IdempotencyKey.objects.get(key="k-5").state == "done"


def test_blank_or_huge_key_is_400(api, setup):
    agent, case = setup
    client = api.as_user(agent)
    huge = client.post(URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert huge.status_code == 400 and "Idempotency-Key" in huge.json()
    assert not Resolution.objects.exists()


def test_keys_are_kept_at_least_a_day(setup):
    agent, _ = setup
    recent = factories.IdempotencyKeyFactory(user=agent, key="recent")
    old = factories.IdempotencyKeyFactory(user=agent, key="old")
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert idempotency_keys_purge(older_than_hours=1) == 1  # never less than 24 hours
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [recent.key]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_one_wins_the_rest_get_409(monkeypatch):
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    case = factories.CaseFactory()
    token = api_token(agent)
    real = decisions.resolution_request
    answered: list[int] = []
    others_answered = threading.Event()

    def slow(**kwargs):
        # Keep the first request in flight until the other five have their answer (a
        # fixed sleep let a slow machine's late thread arrive after it and get a replay).
        others_answered.wait(timeout=20)
        return real(**kwargs)

    monkeypatch.setattr("discretion.api.resolutions.resolution_request", slow)
    barrier = threading.Barrier(6)

    def one(_):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=30)
            response = client.post(
                URL.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
            answered.append(response.status_code)
            if len(answered) == 5:
                others_answered.set()
            return response.status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(one, range(6)))
    assert codes == [201, 409, 409, 409, 409, 409]
    assert Resolution.objects.count() == 1
