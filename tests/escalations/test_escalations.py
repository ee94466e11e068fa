"""The supervisor queue's services and API, in-process (routing is called directly here;
tests/escalations/test_worker.py runs the same paths through a real Celery worker)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, CaseEvent, Resolution
from discretion.escalations.routing import escalation_route, escalation_sweep
from discretion.models import Escalation, Notification
from tests import factories
from tests.support.auth import api_token
from tests.support.escalations import on_call, open_escalation

pytestmark = pytest.mark.django_db


def supervisor_with(approval_max="500.00", remedy_code="refund", role="supervisor"):
    user = factories.UserFactory(role=role)
    factories.TrustLimitFactory(
        agent=user,
        remedy_type=factories.remedy(remedy_code),
        per_remedy_max=Decimal("50.00"),
        approval_max=None if approval_max is None else Decimal(approval_max),
    )
    return user


def events(escalation):
    return list(escalation.history.order_by("at", "id").values_list("event", "level"))


# --- routing ---------------------------------------------------------------------------


def test_open_snapshots_policy_and_writes_created_history_and_timeline():
    factories.EscalationPolicyFactory(
        levels=[{"level": 1, "timeout_seconds": 60}, {"level": 2, "timeout_seconds": 120}]
    )
    escalation = open_escalation()
    factories.EscalationPolicyFactory(levels=[{"level": 1, "timeout_seconds": 5}])
    escalation.refresh_from_db()
    assert escalation.policy_levels == [
        {"level": 1, "timeout_seconds": 60},
        {"level": 2, "timeout_seconds": 120},
    ]
    assert escalation.routed_at is None and escalation.assigned_to is None
    assert events(escalation) == [("created", 1)]
    assert CaseEvent.objects.filter(
        case=escalation.resolution.case, kind="escalation_created"
    ).exists()


def test_route_assigns_least_loaded_on_call_supervisor_and_notifies_once():
    busy, idle_a, idle_b = (factories.UserFactory(role="supervisor") for _ in range(3))
    for person in (busy, idle_a, idle_b):
        on_call(person)
    earlier = open_escalation()
    Escalation.objects.filter(pk=earlier.pk).update(
        assigned_to=busy, routed_at=timezone.now(), due_at=timezone.now() + timedelta(hours=1)
    )
    escalation = open_escalation()

    before = timezone.now()
    assert escalation_route(escalation_id=escalation.pk) is True
    escalation.refresh_from_db()
    # idle_a and idle_b both have none open: the lowest id wins the tie.
    assert escalation.assigned_to == min(idle_a, idle_b, key=lambda u: u.pk)
    assert escalation.level == 1 and escalation.routed_at and not escalation.overdue
    assert (
        before + timedelta(seconds=899)
        < escalation.due_at
        <= timezone.now() + timedelta(seconds=900)
    )
    assert events(escalation) == [("created", 1), ("assigned", 1)]
    assert (
        CaseEvent.objects.filter(
            case=escalation.resolution.case, kind="escalation_assigned"
        ).count()
        == 1
    )
    note = Notification.objects.get(escalation=escalation)
    assert note.recipient == escalation.assigned_to
    assert note.dedupe_key == f"esc{escalation.pk}:v1:assigned"

    # A duplicate delivery and a sweep change nothing.
    assert escalation_route(escalation_id=escalation.pk) is False
    assert escalation_sweep() == 0
    assert events(escalation) == [("created", 1), ("assigned", 1)]
    assert Notification.objects.filter(escalation=escalation).count() == 1


def test_nobody_on_call_at_level_one_moves_on_at_once():
    second = factories.UserFactory(role="supervisor")
    on_call(second, level=2)
    escalation = open_escalation()
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert (escalation.level, escalation.assigned_to) == (2, second)
    assert events(escalation) == [("created", 1), ("skipped_no_oncall", 1), ("assigned", 2)]


def test_requester_on_call_is_never_asked_to_approve_their_own_request():
    requester = factories.UserFactory(role="supervisor")
    other = factories.UserFactory(role="supervisor")
    on_call(requester)
    on_call(other, level=2)
    escalation = open_escalation(agent=requester)
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.assigned_to == other


def test_timeout_moves_up_then_overdue_notifies_every_admin_once():
    first, second = (
        factories.UserFactory(role="supervisor"),
        factories.UserFactory(role="supervisor"),
    )
    admins = [factories.UserFactory(role="admin") for _ in range(2)]
    factories.UserFactory(role="admin", is_active=False)
    on_call(first, level=1)
    on_call(second, level=2)
    escalation = open_escalation()
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation_sweep() == 0  # not due yet

    later = escalation.due_at + timedelta(seconds=1)
    assert escalation_sweep(now=later) == 1
    escalation.refresh_from_db()
    assert (escalation.level, escalation.assigned_to, escalation.overdue) == (2, second, False)
    assert Notification.objects.filter(recipient=second, escalation=escalation).count() == 1

    much_later = escalation.due_at + timedelta(seconds=1)
    assert escalation_sweep(now=much_later) == 1
    assert escalation_sweep(now=much_later + timedelta(hours=1)) == 0
    escalation.refresh_from_db()
    assert escalation.overdue and escalation.level == 2 and escalation.assigned_to == second
    assert events(escalation) == [
        ("created", 1),
        ("assigned", 1),
        ("escalated", 2),
        ("overdue", 2),
    ]
    overdue = Notification.objects.filter(escalation=escalation, kind="escalation_overdue")
    assert sorted(overdue.values_list("recipient_id", flat=True)) == [a.pk for a in admins]


def test_nobody_on_call_anywhere_is_overdue_at_the_last_level():
    admin = factories.UserFactory(role="admin")
    escalation = open_escalation()
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.overdue and escalation.level == 2 and escalation.assigned_to is None
    assert events(escalation) == [
        ("created", 1),
        ("skipped_no_oncall", 1),
        ("skipped_no_oncall", 2),
        ("overdue", 2),
    ]
    assert Notification.objects.get(recipient=admin).kind == "escalation_overdue"


def test_a_stranded_escalation_goes_to_whoever_comes_on_call_later():
    factories.UserFactory(role="admin")
    escalation = open_escalation()
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.overdue and escalation.assigned_to is None
    stranded_version = escalation.version

    # Still nobody on call: the sweeper asks again and writes nothing.
    assert escalation_sweep() == 0
    escalation.refresh_from_db()
    assert escalation.version == stranded_version

    later = factories.UserFactory(role="supervisor")
    on_call(later, level=2)
    assert escalation_sweep() == 1
    escalation.refresh_from_db()
    assert (escalation.level, escalation.assigned_to, escalation.overdue) == (2, later, False)
    assert escalation.due_at > timezone.now()
    assert events(escalation)[-1] == ("assigned", 2)
    assert Notification.objects.get(recipient=later).kind == "escalation_assigned"
    assert escalation_sweep() == 0  # assigned and not yet due: nothing more to do


def test_a_move_computed_from_a_stale_version_writes_nothing():
    from discretion.escalations.routing import _apply, _load_for_move, _plan

    on_call(factories.UserFactory(role="supervisor"))
    escalation = open_escalation()
    stale = _load_for_move(Escalation.objects.filter(pk=escalation.pk)).get()
    move = _plan(stale, now=timezone.now())
    assert escalation_route(escalation_id=escalation.pk) is True  # someone else moved it
    assert _apply(stale, move, now=timezone.now()) is False
    assert Notification.objects.filter(escalation=escalation).count() == 1
    assert [e for e, _ in events(escalation)].count("assigned") == 1


# --- deciding through the API ----------------------------------------------------------


def url(escalation, action=""):
    return f"/api/v1/escalations/{escalation.pk}/{action + '/' if action else ''}"


def test_approve_applies_the_remedy_on_the_approvers_authority(api):
    boss = supervisor_with("500.00")
    escalation = open_escalation(amount="150.00")
    resolution = escalation.resolution
    response = api.as_user(boss).post(
        url(escalation, "approve"), {"amount": "120.00", "note": "Loyal customer"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved" and body["decided_by"] == boss.pk
    assert body["decision_note"] == "Loyal customer"
    assert body["history"][-1]["event"] == "approved" and body["history"][-1]["actor"] == boss.pk
    resolution.refresh_from_db()
    assert resolution.status == "applied" and resolution.amount == Decimal("120.00")
    assert resolution.requested_amount == Decimal("150.00")
    assert resolution.applied_at and resolution.counts_against_budget is False
    assert Case.objects.get(pk=resolution.case_id).remedies_total == Decimal("120.00")
    assert (
        AuditEvent.objects.filter(object_type="escalation", object_id=str(escalation.pk)).count()
        == 1
    )
    audit = AuditEvent.objects.get(object_type="resolution", object_id=str(resolution.pk))
    assert audit.before["status"] == "pending_approval" and audit.after["amount"] == "120.00"
    told = Notification.objects.get(recipient=resolution.agent)
    assert told.kind == "escalation_approved" and "Loyal customer" in told.body
    assert CaseEvent.objects.filter(case=resolution.case, kind="escalation_approved").exists()

    again = api.post(url(escalation, "deny"), {"note": "changed my mind"}, format="json")
    assert again.status_code == 409 and "already approved" in again.json()["detail"]


def test_approve_may_lower_not_raise(api):
    boss = supervisor_with("500.00")
    escalation = open_escalation(amount="150.00")
    response = api.as_user(boss).post(
        url(escalation, "approve"), {"amount": "150.01"}, format="json"
    )
    assert response.status_code == 400 and "amount" in response.json()
    for bad in ("-1.00", "1.001", "abc", "NaN"):
        assert (
            api.post(url(escalation, "approve"), {"amount": bad}, format="json").status_code == 400
        )
    escalation.refresh_from_db()
    assert escalation.status == "pending"


def test_an_already_decided_escalation_is_409_whatever_the_amount(api):
    boss = supervisor_with("500.00")
    escalation = open_escalation(amount="150.00")
    client = api.as_user(boss)
    assert (
        client.post(url(escalation, "approve"), {"amount": "90.00"}, format="json").status_code
        == 200
    )
    # 120.00 is above what was granted (90.00), yet the answer is "already decided".
    again = client.post(url(escalation, "approve"), {"amount": "120.00"}, format="json")
    assert again.status_code == 409
    assert "already approved" in again.json()["detail"]
    assert client.post(url(escalation, "deny"), {"note": "no"}, format="json").status_code == 409


def test_deny_needs_a_note_and_denies(api):
    boss = supervisor_with("500.00")
    escalation = open_escalation()
    client = api.as_user(boss)
    assert "note" in client.post(url(escalation, "deny"), {}, format="json").json()
    assert client.post(url(escalation, "deny"), {"note": "   "}, format="json").status_code == 400
    response = client.post(url(escalation, "deny"), {"note": "Outside policy"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "denied"
    resolution = Resolution.objects.get(pk=escalation.resolution_id)
    assert resolution.status == "denied"
    assert Case.objects.get(pk=resolution.case_id).remedies_total == Decimal("0.00")
    told = Notification.objects.get(recipient=resolution.agent)
    assert told.kind == "escalation_denied" and "Outside policy" in told.body


def test_four_eyes_and_approval_max_are_enforced(api):
    requester = supervisor_with("1000.00")
    escalation = open_escalation(agent=requester, amount="150.00")
    response = api.as_user(requester).post(url(escalation, "approve"), {}, format="json")
    assert response.status_code == 403 and "four-eyes" in response.json()["detail"].lower()

    no_approval = supervisor_with(None)
    response = api.as_user(no_approval).post(url(escalation, "approve"), {}, format="json")
    assert response.status_code == 403 and "approval_max" in response.json()["detail"]

    small = supervisor_with("100.00")
    response = api.as_user(small).post(url(escalation, "approve"), {}, format="json")
    assert response.status_code == 403 and "100.00" in response.json()["detail"]
    # ...but within their limit once they lower it.
    denied = api.as_user(small).post(url(escalation, "deny"), {"note": "too much"}, format="json")
    assert denied.status_code == 403
    agent = factories.UserFactory(role="agent")
    assert api.as_user(agent).post(url(escalation, "approve"), {}, format="json").status_code == 403
    escalation.refresh_from_db()
    assert escalation.status == "pending"
    ok = api.as_user(small).post(url(escalation, "approve"), {"amount": "100.00"}, format="json")
    assert ok.status_code == 200


def test_admin_without_tier_uses_own_limit_and_tier_limit_counts(api):
    senior = factories.UserFactory(role="supervisor", tier=factories.tier("senior"))
    factories.TrustLimitFactory(tier=factories.tier("senior"), approval_max=Decimal("300.00"))
    escalation = open_escalation(amount="150.00")
    assert (
        api.as_user(senior).post(url(escalation, "approve"), {}, format="json").status_code == 200
    )


def test_decisions_are_idempotent_with_a_key(api):
    boss = supervisor_with("500.00")
    escalation = open_escalation()
    client = api.as_user(boss)
    first = client.post(
        url(escalation, "deny"), {"note": "no"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        url(escalation, "deny"), {"note": "no"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    other = client.post(
        url(escalation, "deny"), {"note": "other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert Notification.objects.filter(kind="escalation_denied").count() == 1


# --- reading the queue -----------------------------------------------------------------


def test_list_filters_and_visibility(api, django_assert_num_queries):
    boss = supervisor_with("500.00")
    on_call(boss)
    agent = factories.UserFactory(role="agent")
    mine = [open_escalation(agent=agent) for _ in range(3)]
    others = open_escalation()
    for escalation in [*mine, others]:
        escalation_route(escalation_id=escalation.pk)
    api.as_user(boss).post(url(mine[0], "deny"), {"note": "no"}, format="json")

    client = api.as_user(boss)
    with django_assert_num_queries(4):  # token+user, count, page, history
        body = client.get("/api/v1/escalations/?status=pending&assigned_to=me").json()
    assert body["count"] == 3
    assert {r["id"] for r in body["results"]} == {mine[1].pk, mine[2].pk, others.pk}
    first = body["results"][0]
    assert set(first) >= {
        "id",
        "resolution",
        "status",
        "level",
        "assigned_to",
        "due_at",
        "overdue",
        "decided_by",
        "decision_note",
        "history",
    }
    assert set(first["history"][0]) >= {"at", "event", "actor", "level", "assigned_to"}
    assert first["resolution_detail"]["amount"] == "150.00"

    more = [open_escalation() for _ in range(4)]
    assert more
    with django_assert_num_queries(4):
        assert client.get("/api/v1/escalations/").json()["count"] == 8

    assert client.get("/api/v1/escalations/?status=nope").status_code == 400
    assert client.get("/api/v1/escalations/?assigned_to=x").status_code == 400
    assert (
        client.get(f"/api/v1/escalations/?assigned_to={boss.pk}&status=denied").json()["count"] == 1
    )

    as_agent = api.as_user(agent)
    assert as_agent.get("/api/v1/escalations/").json()["count"] == 3
    assert as_agent.get(url(others)).status_code == 404
    assert as_agent.get(url(mine[0])).json()["status"] == "denied"


def test_unknown_escalation_is_404(api):
    boss = supervisor_with("500.00")
    assert api.as_user(boss).get("/api/v1/escalations/999999/").status_code == 404
    assert api.post("/api/v1/escalations/999999/approve/", {}, format="json").status_code == 404


def test_no_credentials_is_401(api):
    assert api.get("/api/v1/escalations/").status_code == 401


# --- concurrency -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_one_wins_the_rest_409():
    from rest_framework.test import APIClient

    assert connection.vendor == "postgresql"
    bosses = [supervisor_with("500.00") for _ in range(6)]
    escalation = open_escalation(amount="150.00")
    barrier = threading.Barrier(len(bosses))
    results: list[int] = []

    def decide(index, boss):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(boss)}")
        barrier.wait()
        if index % 2:
            response = client.post(url(escalation, "deny"), {"note": f"no {index}"}, format="json")
        else:
            response = client.post(url(escalation, "approve"), {}, format="json")
        results.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=decide, args=(i, b)) for i, b in enumerate(bosses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [409] * (len(bosses) - 1)
    escalation.refresh_from_db()
    resolution = Resolution.objects.get(pk=escalation.resolution_id)
    case = Case.objects.get(pk=resolution.case_id)
    decided = escalation.history.filter(event__in=["approved", "denied"])
    assert decided.count() == 1
    if escalation.status == "approved":
        assert resolution.status == "applied" and case.remedies_total == Decimal("150.00")
    else:
        assert resolution.status == "denied" and case.remedies_total == Decimal("0.00")
    assert AuditEvent.objects.filter(object_type="escalation").count() == 1
