"""Accepting and rejecting limit proposals (services and API): the limit written through
the audited trust service, 409 twice, a limit changed since, concurrent accepts, the
list and its filters, permissions, and the agent's meter saying why the limit rose."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Resolution
from discretion.models import LimitProposal, TrustLimit
from discretion.proposals.selectors import limit_proposal_list
from discretion.proposals.services import limit_proposals_open
from discretion.trust.selectors import me_discretion, meter_get
from tests import factories
from tests.proposals.support import decided
from tests.support.auth import api_token

D = Decimal
LIST = "/api/v1/limit-proposals/"


def accept_url(pk):
    return f"/api/v1/limit-proposals/{pk}/accept/"


def reject_url(pk):
    return f"/api/v1/limit-proposals/{pk}/reject/"


@pytest.fixture
def tier_limit(db):
    return factories.TrustLimitFactory(
        tier=factories.tier("standard"),
        per_remedy_max=D("50.00"),
        per_case_max=D("120.00"),
        daily_max=D("300.00"),
        monthly_max=D("2000.00"),
        approval_max=D("0.00"),
    )


@pytest.fixture
def proposal(agent, tier_limit):
    decided(agent, unchanged=14, lowered=1)
    (opened,) = limit_proposals_open()
    return opened


@pytest.mark.django_db
def test_accept_creates_the_agents_row_from_the_tiers_through_the_audited_service(
    agent, proposal, api, admin_user
):
    granted = list(Resolution.objects.values_list("id", "amount", "status"))
    response = api.as_user(admin_user).post(
        accept_url(proposal.pk), {"note": "Earned."}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "accepted" and body["decided_by"] == admin_user.pk
    assert (body["current"], body["proposed"], body["decision_note"]) == (
        "50.00",
        "80.00",
        "Earned.",
    )
    own = TrustLimit.objects.get(agent=agent, remedy_type__code="refund")
    assert own.per_remedy_max == D("80.00")
    # The other caps are the tier's, copied.
    assert (own.per_case_max, own.daily_max, own.monthly_max, own.approval_max) == (
        D("120.00"),
        D("300.00"),
        D("2000.00"),
        D("0.00"),
    )
    create = AuditEvent.objects.get(action="trust_limit_create")
    assert create.actor == admin_user and create.after["per_remedy_max"] == "80.00"
    assert create.reason == f"Limit proposal #{proposal.pk} accepted: Earned."
    decision = AuditEvent.objects.get(action="limit_proposal_accept")
    assert (decision.object_type, decision.object_id) == ("limit_proposal", str(proposal.pk))
    assert decision.before["status"] == "open" and decision.after["status"] == "accepted"
    # Money already granted never changes.
    assert list(Resolution.objects.values_list("id", "amount", "status")) == granted


@pytest.mark.django_db
def test_accept_updates_an_existing_own_row_and_twice_is_409(agent, api, admin_user):
    own = factories.TrustLimitFactory(agent=agent, per_remedy_max=D("50.00"), daily_max=D("400"))
    decided(agent, unchanged=10)
    (proposal,) = limit_proposals_open()
    client = api.as_user(admin_user)
    assert client.post(accept_url(proposal.pk), {}, format="json").status_code == 200
    own.refresh_from_db()
    assert (own.per_remedy_max, own.daily_max) == (D("80.00"), D("400.00"))
    assert AuditEvent.objects.filter(action="trust_limit_update").count() == 1
    again = client.post(accept_url(proposal.pk), {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    rejected = client.post(reject_url(proposal.pk), {"note": "changed my mind"}, format="json")
    assert rejected.status_code == 409
    own.refresh_from_db()
    assert own.per_remedy_max == D("80.00")
    assert AuditEvent.objects.filter(action="trust_limit_update").count() == 1
    assert AuditEvent.objects.filter(action="limit_proposal_accept").count() == 1


@pytest.mark.django_db
def test_accept_after_the_limit_rose_past_the_proposal_is_409(agent, proposal, api, admin_user):
    factories.TrustLimitFactory(agent=agent, per_remedy_max=D("90.00"))
    response = api.as_user(admin_user).post(accept_url(proposal.pk), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "limit_changed" and "90.00" in response.json()["detail"]
    proposal.refresh_from_db()
    assert proposal.status == "open"
    assert TrustLimit.objects.get(agent=agent).per_remedy_max == D("90.00")


@pytest.mark.django_db
def test_reject_needs_a_note_and_changes_no_limit(agent, proposal, api, admin_user):
    client = api.as_user(admin_user)
    for body in ({}, {"note": ""}, {"note": "   "}):
        response = client.post(reject_url(proposal.pk), body, format="json")
        assert response.status_code == 400 and "note" in response.json(), body
    response = client.post(reject_url(proposal.pk), {"note": "Not this quarter."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert not TrustLimit.objects.filter(agent=agent).exists()
    event = AuditEvent.objects.get(action="limit_proposal_reject")
    assert event.reason == "Not this quarter."
    assert client.post(reject_url(proposal.pk), {"note": "again"}, format="json").status_code == 409


@pytest.mark.django_db
def test_permissions(agent, proposal, api, supervisor, admin_user):
    assert api.as_user(agent).get(LIST).status_code == 403
    assert api.as_user(supervisor).get(LIST).status_code == 200
    assert (
        api.as_user(supervisor).post(accept_url(proposal.pk), {}, format="json").status_code == 403
    )
    assert (
        api.as_user(supervisor)
        .post(reject_url(proposal.pk), {"note": "x"}, format="json")
        .status_code
        == 403
    )
    assert api.as_user(agent).post(accept_url(proposal.pk), {}, format="json").status_code == 403
    assert APIClient().get(LIST).status_code == 401
    assert api.as_user(admin_user).post(accept_url(10**30), {}, format="json").status_code == 404
    assert (
        api.as_user(admin_user).post(accept_url(proposal.pk + 1), {}, format="json").status_code
        == 404
    )


@pytest.mark.django_db
def test_list_fields_and_filters(agent, proposal, api, supervisor):
    client = api.as_user(supervisor)
    rows = client.get(LIST).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    (row,) = rows
    assert {
        "id",
        "agent",
        "remedy_type",
        "field",
        "current",
        "proposed",
        "evidence",
        "what_if",
        "status",
        "created_at",
        "decided_by",
        "decision_note",
    } <= set(row)
    assert (row["agent"], row["remedy_type"], row["field"], row["status"]) == (
        agent.pk,
        "refund",
        "per_remedy_max",
        "open",
    )
    assert row["evidence"]["approved_unchanged"] == 14 and row["what_if"]["days"] == 30

    def count(query):
        body = client.get(LIST + query).json()
        return len(body["results"] if isinstance(body, dict) else body)

    assert count("?status=open") == 1 and count("?status=accepted") == 0
    assert count(f"?agent={agent.pk}") == 1 and count(f"?agent={supervisor.pk}") == 0
    assert count("?agent=99999999999999999999999") == 0
    assert client.get(LIST + "?status=nope").status_code == 400
    assert client.get(LIST + "?agent=x").status_code == 400


@pytest.mark.django_db
def test_list_selector_is_one_query(agent, proposal, django_assert_num_queries):
    factories.LimitProposalFactory(
        status="rejected", decided_by=agent, decided_at=proposal.created_at
    )
    with django_assert_num_queries(1):
        rows = [(p.agent.username, p.remedy_type.code, p.decided_by) for p in limit_proposal_list()]
    assert len(rows) == 2


@pytest.mark.django_db
def test_running_twice_opens_one_and_the_command_prints_what_it_opened(agent, tier_limit, capsys):
    decided(agent, unchanged=10)
    call_command("propose_limits")
    out = capsys.readouterr().out
    assert f"{agent.username} refund: per_remedy_max 50.00 -> 80.00" in out
    assert "1 limit proposal opened." in out
    call_command("propose_limits")
    assert "0 limit proposals opened." in capsys.readouterr().out
    assert LimitProposal.objects.count() == 1
    # Once decided, a new one may be opened again.
    LimitProposal.objects.update(status="rejected", decided_by=agent, decided_at=agent.date_joined)
    assert len(limit_proposals_open()) == 1


@pytest.mark.django_db
def test_meter_and_me_say_why_the_limit_rose(
    agent, proposal, case, api, admin_user, django_assert_num_queries
):
    refund = factories.remedy("refund")
    assert meter_get(user=agent, case_id=case.pk, remedy_type=refund).limit_note is None
    api.as_user(admin_user).post(accept_url(proposal.pk), {}, format="json")
    proposal.refresh_from_db()
    day = proposal.decided_at
    note = f"Raised on {day.day} {day:%b} from your record: 14 of 15 approved unchanged."
    with django_assert_num_queries(3):
        meter = meter_get(user=agent, case_id=case.pk, remedy_type=refund)
    assert meter.limit_note == note
    with django_assert_num_queries(3):
        rows = me_discretion(agent)
    by_code = {r["remedy_type"]: r for r in rows}
    assert by_code["refund"]["limit_note"] == note and by_code["store_credit"]["limit_note"] is None
    me = api.as_user(agent).get("/api/v1/me/").json()
    assert next(r for r in me["discretion"] if r["remedy_type"] == "refund")["limit_note"] == note
    # An admin's later manual change of the cap: the note no longer explains it.
    own = TrustLimit.objects.get(agent=agent)
    own.per_remedy_max = D("70.00")
    own.save()
    assert meter_get(user=agent, case_id=case.pk, remedy_type=refund).limit_note is None


def _race(count, fn):
    barrier = threading.Barrier(count)
    results: list = []

    def run():
        try:
            barrier.wait()
            results.append(fn())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_exactly_one_wins():
    admin = factories.UserFactory(role="admin")
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(tier=factories.tier("standard"), per_remedy_max=D("50.00"))
    decided(agent, unchanged=10)
    (proposal,) = limit_proposals_open()
    token = api_token(admin)

    def accept():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post(accept_url(proposal.pk), {}, format="json").status_code

    statuses = _race(6, accept)
    assert sorted(statuses) == [200] + [409] * 5
    assert TrustLimit.objects.filter(agent=agent).count() == 1
    assert AuditEvent.objects.filter(action="trust_limit_create").count() == 1
    assert AuditEvent.objects.filter(action="limit_proposal_accept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_open_one():
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    decided(agent, unchanged=10)
    opened = _race(4, lambda: len(limit_proposals_open()))
    assert sum(opened) == 1
    assert LimitProposal.objects.filter(status="open").count() == 1
    assert AuditEvent.objects.filter(action="limit_proposal_open").count() == 1
