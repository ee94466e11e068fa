"""Decisions on a case in an incident (CONTRACT.md, "Incidents"): the schedule instead of
the agent's own limit, the incident budget instead of the agent's windows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, Resolution
from discretion.incidents.services import incidents_end_due
from discretion.models import BudgetWindow, Incident
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/{}/resolutions/"


def post(api, user, case, amount="60.00", remedy_type="refund", path=""):
    return api.as_user(user).post(
        URL.format(case.pk) + path,
        {"remedy_type": remedy_type, "amount": amount, "reason": "Outage"},
        format="json",
    )


def _check(decision, name):
    return next(c for c in decision["checks"] if c["name"] == name)


def test_applies_under_the_schedule_and_spends_the_incident_budget(
    api, small_agent, incident, linked_case
):
    response = post(api, small_agent, linked_case)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "applied"
    decision = body["decision"]
    assert decision["summary"] == (
        f"Applies under incident #{incident.pk} 'Outage 3 Dec'; $140.00 of $200.00 left."
    )
    assert _check(decision, "incident_per_remedy_max") == {
        "name": "incident_per_remedy_max",
        "limit": "60.00",
        "used": "0.00",
        "requested": "60.00",
        "passed": True,
    }
    assert _check(decision, "incident_budget")["limit"] == "200.00"
    incident.refresh_from_db()
    assert incident.spent == D("60.00")
    resolution = Resolution.objects.get()
    assert not resolution.counts_against_budget
    assert resolution.decision["incident"] == incident.pk
    # Not against the agent's own windows; the case total moves.
    assert not BudgetWindow.objects.filter(used__gt=0).exists()
    assert Case.objects.get(pk=linked_case.pk).remedies_total == D("60.00")


def test_over_the_schedule_or_the_budget_escalates_with_the_agents_checks(
    api, small_agent, incident, linked_case
):
    over = post(api, small_agent, linked_case, amount="60.01").json()
    assert over["status"] == "pending_approval"
    names = [c["name"] for c in over["decision"]["checks"]]
    assert names == [
        "per_remedy_max",
        "per_case_max",
        "daily_max",
        "monthly_max",
        "incident_per_remedy_max",
        "incident_budget",
        "policy_rules",
    ]
    assert "over the $60.00 per remedy of incident" in over["decision"]["summary"]
    Incident.objects.filter(pk=incident.pk).update(spent=D("150.00"))
    short = post(api, small_agent, linked_case, amount="55.00").json()
    assert short["status"] == "pending_approval"
    assert not _check(short["decision"], "incident_budget")["passed"]
    assert "$50.00 of $200.00 left" in short["decision"]["summary"]
    incident.refresh_from_db()
    assert incident.spent == D("150.00")


def test_a_remedy_outside_the_schedule_and_an_unlinked_case_use_the_agents_own_limit(
    api, small_agent, incident, linked_case
):
    factories.TrustLimitFactory(
        tier=small_agent.tier,
        remedy_type=factories.remedy("store_credit"),
        per_remedy_max=D("25.00"),
    )
    credit = post(api, small_agent, linked_case, amount="20.00", remedy_type="store_credit")
    assert credit.json()["status"] == "applied"
    assert "incident_budget" not in {c["name"] for c in credit.json()["decision"]["checks"]}
    other = factories.CaseFactory()
    assert post(api, small_agent, other).json()["status"] == "pending_approval"
    incident.refresh_from_db()
    assert incident.spent == D("0.00")


def test_after_ends_at_nothing_is_granted_even_before_the_sweeper(
    api, small_agent, incident, linked_case
):
    Incident.objects.filter(pk=incident.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    preview = post(api, small_agent, linked_case, path="preview/").json()
    assert preview["decision"]["outcome"] == "escalate"
    assert post(api, small_agent, linked_case).json()["status"] == "pending_approval"
    assert incidents_end_due() == 1
    incident.refresh_from_db()
    assert incident.status == "ended" and incident.ended_at is not None
    assert Case.objects.get(pk=linked_case.pk).active_incident_id is None
    assert AuditEvent.objects.filter(action="incident.end", object_id=str(incident.pk)).exists()
    assert incidents_end_due() == 0


def test_preview_shows_the_same_and_spends_nothing(api, small_agent, incident, linked_case):
    body = post(api, small_agent, linked_case, path="preview/").json()
    assert body["decision"]["outcome"] == "apply"
    assert body["decision"]["summary"].startswith(f"Applies under incident #{incident.pk}")
    incident.refresh_from_db()
    assert incident.spent == D("0.00") and not Resolution.objects.exists()


def test_policy_rules_see_the_incident(api, small_agent, incident, linked_case):
    factories.PolicyRuleFactory(
        name="Incident refunds over 50",
        expression="incident.active && incident.id > 0 && amount > 50.0",
        effect="require_approval",
        message="Big incident refunds get a second look.",
    )
    body = post(api, small_agent, linked_case).json()
    assert body["status"] == "pending_approval"
    assert body["decision"]["rules"][0]["name"] == "Incident refunds over 50"
    assert Resolution.objects.get().decision["context"]["incident"] == {
        "active": True,
        "id": incident.pk,
    }
    plain = factories.CaseFactory()
    small = post(api, small_agent, plain, amount="10.00").json()
    assert small["status"] == "applied"
    assert Resolution.objects.get(pk=small["id"]).decision["context"]["incident"] == {
        "active": False,
        "id": 0,
    }


def test_the_incident_path_adds_one_read(
    api, small_agent, incident, linked_case, django_assert_num_queries
):
    client = api.as_user(small_agent)
    post(api, small_agent, linked_case, amount="1.00")  # warm: windows exist, rules cached
    # The decision path's 9 (tests/decisions) plus the incident and its schedule row,
    # locked, in one statement; the incident spend joins the batch.
    with django_assert_num_queries(10):
        response = client.post(
            URL.format(linked_case.pk),
            {"remedy_type": "refund", "amount": "5.00", "reason": "x"},
            format="json",
        )
    assert response.json()["status"] == "applied"


def test_the_end_sweeper_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["discretion-end-incidents"]
    assert entry["task"] == "discretion.end_incidents"
    assert entry["schedule"] <= 30


# --- CEL: incident.active and incident.id in the rule context ------------------------------


def test_a_rule_reads_incident_active_and_id(api, small_agent, incident, linked_case):
    """``incident.active`` / ``incident.id`` (CONTRACT.md: "The CEL context gains …"): a
    rule naming this incident asks for approval on its cases only, and not once it ended."""
    factories.PolicyRuleFactory(
        name="Second look in this outage",
        expression=f"incident.active && incident.id == {incident.pk} && amount > 50.0",
        effect="require_approval",
    )
    plain = factories.CaseFactory()
    factories.TrustLimitFactory(
        tier=factories.tier("standard"), per_remedy_max=D("100.00"), per_case_max=None
    )
    linked = post(api, small_agent, linked_case).json()
    assert linked["status"] == "pending_approval"
    assert [r["name"] for r in linked["decision"]["rules"]] == ["Second look in this outage"]
    within = post(api, small_agent, linked_case, amount="40.00").json()
    assert within["status"] == "applied" and within["decision"]["rules"] == []
    # A case in no incident: incident.active is false (and incident.id 0).
    senior = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    assert post(api, senior, plain).json()["status"] == "applied"
    Incident.objects.filter(pk=incident.pk).update(
        status="ended", ended_at=timezone.now(), ends_at=timezone.now()
    )
    # Within the agent's own limits (40.00 of the case's 50.00 is used): no rule matches.
    after = post(api, small_agent, linked_case, amount="5.00").json()
    assert after["status"] == "applied" and after["decision"]["rules"] == []


def test_the_validate_endpoint_knows_the_incident_variables(api, admin_user):
    client = api.as_user(admin_user)
    ok = client.post(
        "/api/v1/policy-rules/validate/",
        {
            "expression": "incident.active && incident.id == 4",
            "context": {"incident": {"active": True, "id": 4}},
        },
        format="json",
    ).json()
    assert (ok["valid"], ok["error"], ok["result"]) == (True, None, True)
    assert ok["variables"] == ["incident.active", "incident.id"]
    empty = client.post(
        "/api/v1/policy-rules/validate/", {"expression": "incident.id == 0"}, format="json"
    ).json()
    assert empty["valid"] is True and empty["result"] is True  # 0 when none
    wrong = client.post(
        "/api/v1/policy-rules/validate/", {"expression": "incident.active + 1"}, format="json"
    ).json()
    assert wrong["valid"] is False and wrong["error"]
