"""An approved raise is the requester's effective limit at once and until ``expires_at``,
then the earlier limit applies again with nothing for anyone to do. The lapse is tested
with the real clock: a raise a few seconds long, and a wait past its end."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import Resolution
from discretion.models import LimitRequest
from discretion.raises.services import limit_request_create, limit_request_decide
from discretion.trust.selectors import effective_limit_get, effective_limits_for, meter_get
from tests import factories
from tests.support.raises import ask

pytestmark = pytest.mark.django_db

RESOLVE = "/api/v1/cases/{}/resolutions/"


def _resolve(api, user, case, amount, path=""):
    return api.as_user(user).post(
        RESOLVE.format(case.pk) + path,
        {"remedy_type": "refund", "amount": amount, "reason": "Outage"},
        format="json",
    )


def _source_of(resolution) -> str:
    # The decision's stored record names the limit it was decided against.
    return Resolution.objects.get(pk=resolution["id"]).decision["limit_source"]


def _me_refund(api, user):
    rows = api.as_user(user).get("/api/v1/me/").json()["discretion"]
    return next(row for row in rows if row["remedy_type"] == "refund")


def _wait_until(moment):
    while timezone.now() <= moment:
        time.sleep(0.05)


def test_a_raise_applies_at_once_and_lapses_by_itself(api, agent, supervisor, limits):
    expires = timezone.now() + timedelta(seconds=4)
    created = ask(api, agent, expires_at=expires.isoformat(), daily_max="600.00").json()
    before = _me_refund(api, agent)
    assert (before["limit_source"], before["expires_at"]) == ("tier", None)
    approved = api.as_user(supervisor).post(
        f"/api/v1/limit-requests/{created['id']}/approve/", {}, format="json"
    )
    assert approved.status_code == 200, approved.content

    row = _me_refund(api, agent)
    assert row["limit_source"] == "temporary"
    assert parse_datetime(row["expires_at"]) == expires
    assert (row["per_remedy_max"], row["daily_max"]) == ("200.00", "600.00")
    # The dimensions the raise did not touch are the base row's.
    assert (row["per_case_max"], row["monthly_max"]) == ("500.00", "2000.00")

    case = factories.CaseFactory()
    preview = _resolve(api, agent, case, "150.00", "preview/").json()
    assert preview["decision"]["outcome"] == "apply"
    applied = _resolve(api, agent, case, "150.00").json()
    assert applied["status"] == "applied", applied
    assert _source_of(applied) == "temporary"

    _wait_until(expires)  # the real clock passes expires_at; nobody does anything

    other_case = factories.CaseFactory()
    assert (
        _resolve(api, agent, other_case, "150.00", "preview/").json()["decision"]["outcome"]
        == "escalate"
    )
    escalated = _resolve(api, agent, other_case, "150.00").json()
    assert escalated["status"] == "pending_approval", escalated
    assert _source_of(escalated) == "tier"
    row = _me_refund(api, agent)
    assert (row["limit_source"], row["expires_at"]) == ("tier", None)
    assert (row["per_remedy_max"], row["daily_max"]) == ("100.00", "400.00")
    # The stored status is still approved: the flip to expired is the sweeper's, and
    # cosmetic; the API already says expired.
    assert LimitRequest.objects.get().status == "approved"
    listed = api.as_user(agent).get(f"/api/v1/limit-requests/{created['id']}/").json()
    assert listed["status"] == "expired"


def test_an_agent_row_is_raised_too_and_the_newest_raise_wins(agent, supervisor):
    own = factories.TrustLimitFactory(agent=agent, per_remedy_max=D("50.00"), daily_max=None)
    refund = own.remedy_type
    ends = timezone.now() + timedelta(hours=3)
    first = limit_request_create(
        acting_user=agent,
        remedy_type=refund,
        reason="busy",
        expires_at=ends,
        per_remedy_max=D("80.00"),
    )
    limit_request_decide(acting_user=supervisor, limit_request_id=first.pk, approve=True)
    second = limit_request_create(
        acting_user=agent,
        remedy_type=refund,
        reason="busier",
        expires_at=ends,
        per_remedy_max=D("90.00"),
    )
    assert second.was_per_remedy_max == D("80.00")
    limit_request_decide(acting_user=supervisor, limit_request_id=second.pk, approve=True)
    limit = effective_limit_get(user=agent, remedy_type=refund)
    assert limit is not None
    assert (limit.source, limit.per_remedy_max, limit.limit_request_id) == (
        "temporary",
        D("90.00"),
        second.pk,
    )
    assert limit.base == own and limit.daily_max is None
    assert effective_limits_for(agent)[refund.pk] == limit
    # At a moment after the end, the base row again.
    later = effective_limit_get(user=agent, remedy_type=refund, at=ends)
    assert later is not None and (later.source, later.per_remedy_max) == ("agent", D("50.00"))


def test_denied_and_pending_requests_change_nothing(agent, supervisor, limits):
    refund = limits.remedy_type
    ends = timezone.now() + timedelta(hours=3)
    for approve in (None, False):
        request = limit_request_create(
            acting_user=agent,
            remedy_type=refund,
            reason="x",
            expires_at=ends,
            per_remedy_max=D("300.00"),
        )
        if approve is not None:
            limit_request_decide(
                acting_user=supervisor, limit_request_id=request.pk, approve=False, note="no"
            )
    limit = effective_limit_get(user=agent, remedy_type=refund)
    assert limit is not None and (limit.source, limit.per_remedy_max) == ("tier", D("100.00"))


def test_the_meter_shows_the_temporary_limit(agent, supervisor, limits, case):
    refund = limits.remedy_type
    request = limit_request_create(
        acting_user=agent,
        remedy_type=refund,
        reason="x",
        expires_at=timezone.now() + timedelta(hours=3),
        per_remedy_max=D("200.00"),
    )
    limit_request_decide(acting_user=supervisor, limit_request_id=request.pk, approve=True)
    meter = meter_get(user=agent, case_id=case.pk, remedy_type=refund)
    assert meter is not None
    assert meter.bars[0].cap == D("200.00")
    assert meter.temporary_until == request.expires_at
    local = timezone.localtime(request.expires_at)
    assert (
        meter.temporary_note == f"Temporary: $200.00 until {local:%a} {local.day} {local:%b, %H:%M}"
    )


def test_me_query_count_is_unchanged(api, agent, supervisor, limits, django_assert_num_queries):
    request = limit_request_create(
        acting_user=agent,
        remedy_type=limits.remedy_type,
        reason="x",
        expires_at=timezone.now() + timedelta(hours=3),
        per_remedy_max=D("200.00"),
    )
    limit_request_decide(acting_user=supervisor, limit_request_id=request.pk, approve=True)
    client = api.as_user(agent)
    client.get("/api/v1/me/")
    # token+user (1), user with team and tier (1), remedy types, limits with the raise
    # laid over, budget windows (3): as before raises existed.
    with django_assert_num_queries(5):
        response = client.get("/api/v1/me/")
    assert _me_refund(api, agent)["limit_source"] == "temporary"
    assert response.status_code == 200
