"""discretion.escalations: on-call shift lists, who may decide (rules.py, asked by the
service, the queue and the notification link), and the one note limit of HTML and API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from discretion.escalations.oncall import oncall_shift_list
from discretion.escalations.queue import queue_list
from discretion.escalations.rules import (
    NOTE_MAX_LENGTH,
    approval_refusal,
    decider_refusal,
    may_decide,
)
from discretion.escalations.selectors import oncall_supervisor_get
from discretion.models import Escalation, OnCallShift
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


def _escalation(agent=None, amount="150.00") -> Escalation:
    resolution = factories.ResolutionFactory.create(
        agent=agent or factories.UserFactory.create(role="agent"), requested_amount=D(amount)
    )
    return Escalation.objects.create(resolution=resolution)


def _decider(approval_max="500.00", role="supervisor"):
    user = factories.UserFactory.create(role=role)
    factories.TrustLimitFactory.create(
        agent=user,
        per_remedy_max=D("10.00"),
        approval_max=None if approval_max is None else D(approval_max),
    )
    return user


def test_shift_list_is_one_query_with_the_supervisor(django_assert_num_queries):
    now = timezone.now()
    people = [factories.UserFactory.create(role="supervisor") for _ in range(4)]
    for n, person in enumerate(people):
        OnCallShift.objects.create(
            supervisor=person,
            level=1 + n % 2,
            starts_at=now + timedelta(hours=n - 1),
            ends_at=now + timedelta(hours=n + 1),
        )
    with django_assert_num_queries(1):
        names = [s.supervisor.username for s in oncall_shift_list()]
    assert names == [p.username for p in people]
    assert [s.supervisor for s in oncall_shift_list(at=now)] == people[:2]
    assert [s.supervisor for s in oncall_shift_list(level=2)] == [people[1], people[3]]
    week = oncall_shift_list(overlapping=(now + timedelta(hours=2), now + timedelta(hours=3)))
    assert [s.supervisor for s in week] == people[2:]
    assert oncall_supervisor_get(level=1) == people[0]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("agent", "supervisor_only"),
        ("requester", "four_eyes"),
        ("no_approval", "no_approval_max"),
        ("small", "approval_max"),
        ("boss", None),
        ("superuser", None),
    ],
)
def test_service_queue_and_link_ask_the_same_rule(who, code, api):
    requester = _decider("1000.00")
    escalation = _escalation(agent=requester)
    user = {
        "agent": factories.UserFactory.create(role="agent"),
        "requester": requester,
        "no_approval": _decider(None),
        "small": _decider("100.00"),
        "boss": _decider("500.00"),
        "superuser": factories.UserFactory.create(role="admin", is_superuser=True, is_staff=True),
    }[who]
    if who == "superuser":
        factories.TrustLimitFactory.create(agent=user, approval_max=D("500.00"))
    resolution = escalation.resolution
    refusal = decider_refusal(user=user, resolution=resolution) or approval_refusal(
        user=user, resolution=resolution, amount=resolution.amount
    )
    assert (refusal.code if refusal else None) == code
    # The API (the service) refuses with the rule's words, or decides.
    response = api.as_user(user).post(
        f"/api/v1/escalations/{escalation.pk}/approve/", {}, format="json"
    )
    if code is None:
        assert response.status_code == 200
        return
    assert response.status_code == 403
    if code != "supervisor_only":  # agents are stopped by the API's permission first
        assert response.json()["detail"] == refusal.detail
        # The queue's card shows the rule's hint before anyone clicks.
        (item,) = queue_list(user=user)
        assert (item.can_approve, item.cannot_approve_why) == (False, refusal.hint)
    # The notification link sends to the decide page only those the rule lets decide.
    client = Client()
    client.force_login(user)
    link = client.get(f"/escalations/{escalation.pk}/")["Location"]
    assert link.startswith("/queue/") == (code in ("no_approval_max", "approval_max"))
    assert may_decide(user=user, escalation=escalation) == link.startswith("/queue/")


def test_html_and_api_refuse_the_same_note_length(api):
    boss = _decider()
    longest, too_long = "n" * NOTE_MAX_LENGTH, "n" * (NOTE_MAX_LENGTH + 1)
    html = Client()
    html.force_login(boss)
    client = api.as_user(boss)
    for action in ("approve", "deny"):
        via_html, via_api = _escalation(), _escalation()
        refused = html.post(f"/queue/{via_html.pk}/{action}/", {"note": too_long})
        assert refused.status_code == 400
        assert f"at most {NOTE_MAX_LENGTH} characters" in refused.content.decode()
        refused = client.post(
            f"/api/v1/escalations/{via_api.pk}/{action}/", {"note": too_long}, format="json"
        )
        assert refused.status_code == 400 and "note" in refused.json()
        assert Escalation.objects.filter(status="pending").count() == 2
        assert html.post(f"/queue/{via_html.pk}/{action}/", {"note": longest}).status_code == 302
        accepted = client.post(
            f"/api/v1/escalations/{via_api.pk}/{action}/", {"note": longest}, format="json"
        )
        assert accepted.status_code == 200
        via_html.refresh_from_db()
        assert via_html.decision_note == longest
