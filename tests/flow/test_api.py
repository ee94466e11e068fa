"""Fewer clicks through the API: the split, withdraw and the repeat flag."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import CaseEvent, Resolution
from discretion.messages.models import CustomerMessage
from discretion.models import BudgetWindow, Escalation
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/{}/resolutions/"


@pytest.fixture
def limits(agent):
    return factories.TrustLimitFactory(
        tier=agent.tier,
        per_remedy_max=D("25.00"),
        per_case_max=D("150.00"),
        daily_max=D("200.00"),
        monthly_max=D("1000.00"),
    )


def post(api, user, case, path="", headers=None, **body):
    payload = {"remedy_type": "refund", "amount": "60.00", "reason": "Late parcel"} | body
    return api.as_user(user).post(
        URL.format(case.pk) + path, payload, format="json", **(headers or {})
    )


def test_split_applies_the_headroom_and_escalates_the_rest(api, agent, case, limits):
    response = post(api, agent, case, "split/", customer_message="Sorry!")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["applied"]["status"] == "applied" and body["applied"]["amount"] == "25.00"
    assert body["escalated"]["status"] == "pending_approval"
    assert body["escalated"]["amount"] == "35.00"
    assert body["escalated"]["escalation"]["status"] == "pending"
    assert body["summary"] == (
        "Applied $25.00 now (your limit per remedy); "
        "$35.00 went to the admins (nobody on call may approve it) for approval."
    )
    # The rest names why it escalates: the per-remedy cap counts the applied part.
    per_remedy = body["escalated"]["decision"]["checks"][0]
    assert per_remedy == {
        "name": "per_remedy_max",
        "limit": "25.00",
        "used": "25.00",
        "requested": "35.00",
        "passed": False,
    }
    # Budgets moved by the applied part only; the message waits with the rest.
    day = BudgetWindow.objects.get(user=agent, period="day")
    assert day.used == D("25.00")
    message = CustomerMessage.objects.get()
    assert message.resolution_id == body["escalated"]["id"] and message.held
    assert CaseEvent.objects.filter(kind="resolution_split", summary=body["summary"]).exists()
    assert AuditEvent.objects.filter(action="resolution.split").count() == 1
    # The rest is no "repeat" of its own applied part.
    assert body["escalated"]["decision"]["repeat_of"] is None


def test_split_uses_the_tightest_window_and_is_idempotent(api, agent, case, limits):
    post(api, agent, case, amount="20.00", remedy_type="refund")  # 20 of 150 on the case
    limits.per_case_max = D("30.00")
    limits.save()
    headers = {"HTTP_IDEMPOTENCY_KEY": "split-1"}
    first = post(api, agent, case, "split/", headers=headers)
    assert first.status_code == 201, first.json()
    assert first.json()["applied"]["amount"] == "10.00"
    assert first.json()["summary"].startswith("Applied $10.00 now (your limit for this case)")
    again = post(api, agent, case, "split/", headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert Resolution.objects.count() == 3


def test_split_refused_when_there_is_nothing_to_split(api, agent, case, limits):
    whole = post(api, agent, case, "split/", amount="10.00")
    assert whole.status_code == 409 and whole.json()["code"] == "split_not_possible"
    assert not Resolution.objects.exists()
    bad = post(api, agent, case, "split/", amount="1.234")
    assert bad.status_code == 400 and "amount" in bad.json()


def test_withdraw_own_pending_request(api, agent, case, limits, supervisor):
    created = post(api, agent, case, amount="60.00", customer_message="Hi").json()
    other = factories.UserFactory(role="agent")
    url = f"/api/v1/resolutions/{created['id']}/withdraw/"
    assert api.as_user(other).post(url).status_code == 403
    response = api.as_user(agent).post(url)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"
    assert response.json()["escalation"]["status"] == "withdrawn"
    escalation = Escalation.objects.get()
    assert escalation.status == "withdrawn" and escalation.decided_by == agent
    assert escalation.version == 1
    assert list(escalation.history.values_list("event", flat=True)) == ["created", "withdrawn"]
    message = CustomerMessage.objects.get()
    assert not message.held and message.status == "draft"
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "escalation.withdraw",
        "resolution.withdraw",
    }
    # Decided (withdrawn) already: 409, and a supervisor cannot approve it any more.
    again = api.as_user(agent).post(url)
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    approve = api.as_user(supervisor).post(f"/api/v1/escalations/{escalation.pk}/approve/")
    assert approve.status_code in (403, 409)
    assert Resolution.objects.get().status == "withdrawn"


def test_withdraw_a_decided_or_applied_request_is_409(api, agent, case, limits):
    applied = post(api, agent, case, amount="10.00").json()
    response = api.as_user(agent).post(f"/api/v1/resolutions/{applied['id']}/withdraw/")
    assert response.status_code == 409
    assert api.as_user(agent).post("/api/v1/resolutions/999999/withdraw/").status_code == 404


def test_a_repeat_within_ten_minutes_is_recorded_not_blocked(api, agent, case, limits):
    first = post(api, agent, case, amount="20.00").json()
    assert first["decision"]["repeat_of"] is None
    second = post(api, agent, case, amount="40.00")
    assert second.status_code == 201
    repeat = second.json()["decision"]["repeat_of"]
    assert repeat["resolution"] == first["id"] and repeat["amount"] == "20.00"
    assert repeat["agent"] == agent.pk and repeat["status"] == "applied"
    recorded = Resolution.objects.get(pk=first["id"]).created_at
    assert datetime.fromisoformat(repeat["created_at"]) == recorded
    # Another remedy type is no repeat; a withdrawn request is none either.
    other = post(api, agent, case, amount="5.00", remedy_type="store_credit").json()
    assert other["decision"]["repeat_of"] is None
    api.as_user(agent).post(f"/api/v1/resolutions/{second.json()['id']}/withdraw/")
    Resolution.objects.filter(pk=first["id"]).update(status="rejected", counts_against_budget=False)
    third = post(api, agent, case, amount="5.00").json()
    assert third["decision"]["repeat_of"] is None


def test_a_request_older_than_ten_minutes_is_no_repeat(api, agent, case, limits):
    first = post(api, agent, case, amount="20.00").json()
    Resolution.objects.filter(pk=first["id"]).update(
        created_at=timezone.now() - timedelta(minutes=10, seconds=5)
    )
    second = post(api, agent, case, amount="5.00").json()
    assert second["decision"]["repeat_of"] is None
    # Within the window, the latest request is the one named.
    Resolution.objects.filter(pk=second["id"]).update(
        created_at=timezone.now() - timedelta(minutes=9)
    )
    third = post(api, agent, case, amount="5.00").json()
    assert third["decision"]["repeat_of"]["resolution"] == second["id"]


def test_preview_offers_the_split_and_the_repeat_warning(api, agent, case, limits):
    body = (
        api.as_user(agent)
        .post(
            URL.format(case.pk) + "preview/",
            {"remedy_type": "refund", "amount": "60.00"},
            format="json",
        )
        .json()
    )
    assert body["decision"]["outcome"] == "escalate"
    assert body["split"] == {"now": "25.00", "rest": "35.00", "why": "your limit per remedy"}
    assert body["repeat_warning"] is None
    post(api, agent, case, amount="1200.00")
    again = (
        api.as_user(agent)
        .post(
            URL.format(case.pk) + "preview/",
            {"remedy_type": "refund", "amount": "10.00"},
            format="json",
        )
        .json()
    )
    assert again["split"] is None
    assert again["repeat_warning"].startswith("You already asked for $1,200.00 refund")
    assert not Resolution.objects.filter(amount=D("10.00")).exists()
