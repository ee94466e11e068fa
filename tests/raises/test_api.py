"""Asking for more over HTTP (CONTRACT.md, "Asking for more"): every 400, 403 and 409."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from discretion.models import LimitRequest, Notification
from tests import factories
from tests.support.raises import URL, ask

pytestmark = pytest.mark.django_db


def _approve(api, user, pk, **body):
    return api.as_user(user).post(f"{URL}{pk}/approve/", body, format="json")


def _deny(api, user, pk, **body):
    return api.as_user(user).post(f"{URL}{pk}/deny/", body, format="json")


def test_ask_creates_a_pending_audited_request(api, agent, limits):
    response = ask(api, agent, daily_max="600.00")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requester"] == agent.pk
    assert body["remedy_type"] == "refund"
    assert body["status"] == "pending"
    assert (body["per_remedy_max"], body["was_per_remedy_max"]) == ("200.00", "100.00")
    assert (body["daily_max"], body["was_daily_max"]) == ("600.00", "400.00")
    assert body["monthly_max"] is None and body["was_monthly_max"] is None
    assert body["reason"] == "The outage week"
    assert body["decided_by"] is None
    event = AuditEvent.objects.get(object_type="limit_request", object_id=str(body["id"]))
    assert event.action == "limit_request.create"
    assert event.actor_id == agent.pk
    assert event.after["per_remedy_max"] == "200.00"
    assert api.as_user(agent).get(f"{URL}{body['id']}/").json() == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"per_remedy_max": None}, "per_remedy_max"),  # no cap at all
        ({"per_remedy_max": "100.00"}, "per_remedy_max"),  # not above the current 100.00
        ({"per_remedy_max": "99.00"}, "per_remedy_max"),
        ({"per_remedy_max": 200}, "per_remedy_max"),  # a JSON number: strict money
        ({"per_remedy_max": "200.555"}, "per_remedy_max"),
        ({"per_remedy_max": "abc"}, "per_remedy_max"),
        ({"daily_max": "300.00"}, "daily_max"),  # below the current 400.00
        ({"monthly_max": "2000.00"}, "monthly_max"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"expires_at": "yesterday"}, "expires_at"),
        ({"remedy_type": "apology"}, "remedy_type"),  # not monetary
        ({"remedy_type": "teleport"}, "remedy_type"),
        ({"remedy_type": "store_credit"}, "remedy_type"),  # no limit to raise
    ],
)
def test_bad_requests_are_400_naming_the_field(api, agent, limits, body, field):
    response = ask(api, agent, **body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not LimitRequest.objects.exists()


def test_missing_reason_and_expiry_are_400(api, agent, limits):
    response = api.as_user(agent).post(
        URL, {"remedy_type": "refund", "per_remedy_max": "200.00"}, format="json"
    )
    assert response.status_code == 400
    assert {"reason", "expires_at"} <= set(response.json())


@pytest.mark.parametrize(
    "delta", [timedelta(seconds=-1), timedelta(0), timedelta(days=30, minutes=1)]
)
def test_expiry_in_the_past_or_beyond_30_days_is_400(api, agent, limits, delta):
    response = ask(api, agent, expires_at=(timezone.now() + delta).isoformat())
    assert response.status_code == 400
    assert "expires_at" in response.json()


def test_an_uncapped_dimension_cannot_be_raised(api, agent, limits):
    limits.daily_max = None
    limits.save()
    response = ask(api, agent, daily_max="900.00")
    assert response.status_code == 400
    assert "not capped" in response.json()["daily_max"][0]


def test_a_cap_above_an_active_raise_is_measured_against_the_raise(api, agent, supervisor, limits):
    first = ask(api, agent).json()
    assert _approve(api, supervisor, first["id"]).status_code == 200
    assert ask(api, agent, per_remedy_max="150.00").status_code == 400
    assert ask(api, agent, per_remedy_max="250.00").json()["was_per_remedy_max"] == "200.00"


def test_agents_see_their_own_supervisors_see_all(api, agent, supervisor, limits):
    mine = ask(api, agent).json()
    other = factories.UserFactory(role="agent", tier=agent.tier)
    theirs = ask(api, other).json()
    ids = [r["id"] for r in api.as_user(agent).get(URL).json()["results"]]
    assert ids == [mine["id"]]
    assert api.as_user(agent).get(f"{URL}{theirs['id']}/").status_code == 404
    all_ids = {r["id"] for r in api.as_user(supervisor).get(URL).json()["results"]}
    assert all_ids == {mine["id"], theirs["id"]}
    assert api.as_user(supervisor).get(f"{URL}999999/").status_code == 404


def test_status_filter(api, agent, supervisor, limits):
    pending = ask(api, agent).json()
    approved = ask(api, agent, daily_max="500.00").json()
    denied = ask(api, agent, monthly_max="2500.00").json()
    _approve(api, supervisor, approved["id"])
    _deny(api, supervisor, denied["id"], note="Not this week")
    lapsed = factories.LimitRequestFactory(
        requester=agent, created_at=timezone.now() - timedelta(days=2)
    )
    client = api.as_user(agent)

    def ids(status):
        return [r["id"] for r in client.get(URL, {"status": status}).json()["results"]]

    assert ids("pending") == [pending["id"]]
    assert ids("approved") == [approved["id"]]
    assert ids("denied") == [denied["id"]]
    # Past expires_at while still stored as pending: it reads expired at once.
    assert ids("expired") == [lapsed.pk]
    assert client.get(f"{URL}{lapsed.pk}/").json()["status"] == "expired"
    bad = client.get(URL, {"status": "maybe"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_approve_is_audited_and_notifies_the_requester(api, agent, supervisor, limits):
    created = ask(api, agent).json()
    response = _approve(api, supervisor, created["id"], note="Go ahead")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["decided_by"] == supervisor.pk
    assert body["decision_note"] == "Go ahead"
    event = AuditEvent.objects.get(action="limit_request.approve")
    assert (event.object_type, event.object_id) == ("limit_request", str(created["id"]))
    assert event.before["status"] == "pending" and event.after["status"] == "approved"
    note = Notification.objects.get(recipient=agent, kind="limit_request_approved")
    assert "refund limit $100.00 → $200.00" in note.title


def test_deny_needs_a_note(api, agent, supervisor, limits):
    created = ask(api, agent).json()
    response = _deny(api, supervisor, created["id"])
    assert response.status_code == 400 and "note" in response.json()
    assert _deny(api, supervisor, created["id"], note="  ").status_code == 400
    response = _deny(api, supervisor, created["id"], note="Not this week")
    assert response.status_code == 200
    assert response.json()["status"] == "denied"
    assert AuditEvent.objects.filter(action="limit_request.deny").count() == 1
    assert Notification.objects.filter(recipient=agent, kind="limit_request_denied").exists()


def test_agents_may_not_decide(api, agent, limits):
    created = ask(api, agent).json()
    colleague = factories.UserFactory(role="agent", tier=agent.tier)
    for user in (colleague, agent):
        response = _approve(api, user, created["id"])
        assert response.status_code == 403
        assert response.json()["detail"]
    assert LimitRequest.objects.get().status == "pending"


def test_the_requester_may_not_decide_their_own(api, supervisor):
    factories.TrustLimitFactory(tier=supervisor.tier, per_remedy_max=D("300.00"))
    created = ask(api, supervisor, per_remedy_max="500.00").json()
    for decide in (_approve, _deny):
        response = decide(api, supervisor, created["id"], note="mine")
        assert response.status_code == 403
        assert response.json()["code"] == "four_eyes"
        assert "you asked for this raise" in response.json()["detail"]
    assert LimitRequest.objects.get().status == "pending"


def test_deciding_a_decided_request_is_409(api, agent, supervisor, admin_user, limits):
    created = ask(api, agent).json()
    assert _approve(api, supervisor, created["id"]).status_code == 200
    for decide in (_approve, _deny):
        response = decide(api, admin_user, created["id"], note="again")
        assert response.status_code == 409
        assert response.json()["code"] == "already_decided"
    assert AuditEvent.objects.filter(object_type="limit_request").count() == 2


def test_deciding_an_expired_request_is_409_and_changes_nothing(api, agent, supervisor):
    lapsed = factories.LimitRequestFactory(
        requester=agent, created_at=timezone.now() - timedelta(days=2)
    )
    for decide in (_approve, _deny):
        response = decide(api, supervisor, lapsed.pk, note="late")
        assert response.status_code == 409
        assert response.json()["code"] == "expired"
        assert "expired" in response.json()["detail"]
    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.decided_by_id, lapsed.version) == ("pending", None, 0)
    assert not AuditEvent.objects.filter(object_type="limit_request").exists()
    assert not Notification.objects.exists()
    swept = factories.LimitRequestFactory(
        requester=agent, status="expired", created_at=timezone.now() - timedelta(days=2)
    )
    assert _approve(api, supervisor, swept.pk).json()["code"] == "expired"


def test_unknown_request_is_404_for_a_decider(api, supervisor):
    assert _approve(api, supervisor, 999999).status_code == 404


def test_list_query_count(api, agent, supervisor, limits, django_assert_num_queries):
    for cap in ("200.00", "300.00", "400.00"):
        ask(api, agent, per_remedy_max=cap)
    client = api.as_user(supervisor)
    client.get(URL)
    # token+user (1), COUNT (1), the page with requester, remedy, assignee, decider (1).
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert response.json()["count"] == 3
