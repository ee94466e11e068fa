"""``common.idempotency``: one service-level helper for the API and the HTML forms.

It takes (user, key, scope, fingerprint of the input, handler → (status, body)) and knows
nothing of DRF or of the apps; the API adapter and the resolve form both call it.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from cases.models import Case, Resolution
from common import idempotency
from common.errors import Conflict, Invalid, Mismatch
from common.idempotency import idempotent, input_fingerprint
from discretion.models import IdempotencyKey
from tests import factories
from tests.support.paths import ROOT

pytestmark = pytest.mark.django_db


def call(user, handler, *, key="k", scope="thing", data=None):
    return idempotent(
        user_id=user.pk,
        key=key,
        scope=scope,
        fingerprint=input_fingerprint(data or {"a": 1}),
        handler=handler,
    )


class Counter:
    def __init__(self, status=201, body=None):
        self.calls = 0
        self.status = status
        self.body = body if body is not None else {"n": 1}

    def __call__(self):
        self.calls += 1
        return self.status, self.body


# --- the helper -----------------------------------------------------------------------------


def test_the_first_outcome_is_replayed_and_the_handler_runs_once(agent):
    handler = Counter(201, {"resolution": 7})
    first = call(agent, handler)
    again = call(agent, handler)
    assert (first.status, first.body, first.replayed) == (201, {"resolution": 7}, False)
    assert (again.status, again.body, again.replayed) == (201, {"resolution": 7}, True)
    status, body, _ = again  # it is a (status, body, replayed) tuple
    assert (status, body) == (201, {"resolution": 7})
    assert handler.calls == 1
    assert IdempotencyKey.objects.get(user=agent, key="k").state == "done"


def test_a_stored_refusal_is_replayed_too(agent):
    handler = Counter(409, {"detail": "Closed.", "code": "case_closed"})
    call(agent, handler)
    again = call(agent, handler)
    assert (again.status, again.body, again.replayed) == (409, handler.body, True)
    assert handler.calls == 1


def test_another_input_under_the_same_key_is_a_mismatch(agent):
    call(agent, Counter(), data={"a": 1})
    with pytest.raises(Mismatch) as refused:
        call(agent, Counter(), data={"a": 2})
    assert refused.value.code == "idempotency_mismatch"
    assert "different request" in refused.value.message


def test_the_same_key_for_another_operation_is_a_mismatch(agent):
    call(agent, Counter(), scope="approve-1")
    with pytest.raises(Mismatch):
        call(agent, Counter(), scope="deny-1")


def test_the_fingerprint_ignores_key_order():
    assert input_fingerprint({"a": 1, "b": [1, 2]}) == input_fingerprint({"b": [1, 2], "a": 1})
    assert input_fingerprint("POST", {"a": 1}) != input_fingerprint("POST", {"a": 2})


def test_keys_are_per_user(agent):
    other = factories.UserFactory()
    handler = Counter()
    call(agent, handler)
    assert call(other, handler).replayed is False
    assert handler.calls == 2


def test_a_repeat_while_the_first_is_in_flight_is_a_conflict(agent):
    inner = {}

    def first():
        with pytest.raises(Conflict) as refused:
            call(agent, Counter())
        inner["code"] = refused.value.code
        return 201, {}

    call(agent, first)
    assert inner["code"] == "idempotency_in_flight"


def test_a_failing_handler_releases_the_claim_and_stores_nothing(agent):
    def boom():
        raise RuntimeError("went away")

    with pytest.raises(RuntimeError):
        call(agent, boom)
    assert not IdempotencyKey.objects.exists()
    assert call(agent, Counter()).status == 201


def test_a_server_error_is_answered_but_not_stored(agent):
    failed = call(agent, Counter(503, {"detail": "down"}))
    assert (failed.status, failed.replayed) == (503, False)
    assert not IdempotencyKey.objects.exists()


def test_a_stale_claim_from_a_dead_process_is_taken_over(agent):
    call(agent, Counter())
    IdempotencyKey.objects.filter(user=agent).update(
        state="in_flight",
        response_status=None,
        response_body=None,
        updated_at=timezone.now() - timedelta(minutes=10),
    )
    handler = Counter(201, {"again": True})
    outcome = call(agent, handler)
    assert (outcome.status, outcome.body, outcome.replayed) == (201, {"again": True}, False)
    assert handler.calls == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_a_blank_or_overlong_key_is_invalid_naming_the_header(agent, key):
    with pytest.raises(Invalid) as refused:
        call(agent, Counter(), key=key)
    assert refused.value.code == "idempotency_key_invalid"
    assert set(refused.value.fields) == {"Idempotency-Key"}


def test_the_model_comes_from_a_setting(settings):
    assert settings.DISCRETION_IDEMPOTENCY_MODEL == "discretion.IdempotencyKey"
    assert idempotency.key_model() is IdempotencyKey


def test_the_helper_imports_no_app_and_no_drf():
    tree = ast.parse((ROOT / "common" / "idempotency.py").read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert not roots & {"discretion", "cases", "policies", "audit", "web", "rest_framework"}
    assert not (ROOT / "discretion" / "idempotency.py").exists()


# --- the API adapter --------------------------------------------------------------------------


def test_the_api_replays_a_refusal_the_service_made(api, agent):
    closed = factories.CaseFactory(status=Case.Status.CLOSED)
    client = api.as_user(agent)
    url = f"/api/v1/cases/{closed.pk}/resolutions/"
    body = {"remedy_type": "apology", "reason": "sorry"}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="closed-1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="closed-1")
    assert first.status_code == again.status_code == 409
    assert first.json() == again.json()
    assert first.json()["code"] == "case_closed"
    assert again["Idempotent-Replayed"] == "true"


# --- the HTML resolve form ------------------------------------------------------------------


@pytest.fixture
def agent_client(client, agent):
    factories.TrustLimitFactory(
        agent=agent, tier=None, remedy_type=factories.remedy("refund"), per_remedy_max=D("50")
    )
    client.force_login(agent)
    return client


FORM = {"remedy_type": "refund", "amount": "12.00", "reason": "late", "idempotency_key": "f-1"}


def test_a_double_submit_with_the_same_form_key_makes_one_resolution(
    agent_client, case, monkeypatch
):
    calls = []
    real = idempotency.idempotent

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr("web.agent.case.idempotent", spy)
    url = f"/cases/{case.pk}/resolve/"
    first = agent_client.post(url, FORM, HTTP_HX_REQUEST="true")
    again = agent_client.post(url, FORM, HTTP_HX_REQUEST="true")
    assert first.status_code == again.status_code == 200
    assert Resolution.objects.filter(case=case).count() == 1
    assert [c["key"] for c in calls] == ["f-1", "f-1"]
    assert {c["scope"] for c in calls} == {"ui_resolution_request"}
    # The same helper and the same key table as the API.
    assert IdempotencyKey.objects.get(key="f-1").state == "done"
    assert b"already been sent" in again.content and b"already been sent" not in first.content


def test_the_form_key_reused_for_another_amount_changes_nothing(agent_client, case):
    url = f"/cases/{case.pk}/resolve/"
    agent_client.post(url, FORM)
    other = agent_client.post(url, {**FORM, "amount": "13.00"})
    assert other.status_code == 422
    assert b"different request" in other.content
    assert Resolution.objects.filter(case=case).count() == 1


def test_the_resolve_view_fakes_no_drf_request():
    source = (ROOT / "web" / "agent" / "case.py").read_text()
    assert "_FormCall" not in source
    assert "rest_framework.response" not in source
    assert "from common.idempotency import" in source
