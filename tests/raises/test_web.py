"""The screens of asking for more: the form on the case page and on /me/limit-requests/,
the cards in the supervisor queue with approve / deny, and the queue's query count."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from django.test import Client
from django.utils import timezone

from discretion.models import LimitRequest, Notification
from tests import factories
from web.agent.raises import expires_at_for

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_agent_asks_from_the_case_page(agent, limits, case):
    client = login(agent)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="ask-more"' in page and 'data-shortcut="m"' in page
    response = client.post(
        "/me/limit-requests/",
        {
            "remedy_type": "refund",
            "per_remedy_max": "200.00",
            "until": "friday",
            "reason": "The outage week",
            "next": f"/cases/{case.pk}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    request = LimitRequest.objects.get()
    assert (request.requester, request.per_remedy_max) == (agent, D("200.00"))
    local = timezone.localtime(request.expires_at)
    assert (local.weekday(), local.hour, local.minute) == (4, 17, 0)
    assert (
        "Asked for more: refund limit $100.00 → $200.00"
        in client.get(f"/cases/{case.pk}/").content.decode()
    )
    mine = client.get("/me/limit-requests/").content.decode()
    assert f'data-testid="limit-request-{request.pk}"' in mine and "pending" in mine


def test_refusals_are_shown_next_to_the_form(agent, limits):
    client = login(agent)
    response = client.post(
        "/me/limit-requests/",
        {"remedy_type": "refund", "per_remedy_max": "50.00", "until": "today", "reason": "x"},
    )
    assert response.status_code == 400
    assert "Must be above your current limit per remedy of $100.00." in response.content.decode()
    response = client.post(
        "/me/limit-requests/", {"remedy_type": "refund", "until": "date", "reason": ""}
    )
    assert response.status_code == 400
    assert "Give the date it should last until." in response.content.decode()
    assert not LimitRequest.objects.exists()


def test_quick_choices():
    zone = timezone.get_current_timezone()
    wednesday = datetime(2026, 12, 2, 10, 0, tzinfo=zone)
    assert expires_at_for("today", None, now=wednesday) == datetime(
        2026, 12, 2, 23, 59, tzinfo=zone
    )
    assert expires_at_for("friday", None, now=wednesday) == datetime(2026, 12, 4, 17, tzinfo=zone)
    late_friday = datetime(2026, 12, 4, 18, 0, tzinfo=zone)
    assert expires_at_for("friday", None, now=late_friday) == datetime(
        2026, 12, 11, 17, tzinfo=zone
    )
    given = datetime(2026, 12, 9, 12, 0)
    assert expires_at_for("date", given, now=wednesday) == datetime(2026, 12, 9, 12, tzinfo=zone)
    assert expires_at_for("date", None, now=wednesday) is None


def _pending(agent, limits, **kwargs):
    return factories.LimitRequestFactory(requester=agent, remedy_type=limits.remedy_type, **kwargs)


def test_queue_card_and_approve(agent, supervisor, limits):
    request = _pending(agent, limits, expires_at=timezone.now() + timedelta(days=2))
    factories.LimitRequestFactory(
        requester=agent, status="denied", decided_by=supervisor, per_remedy_max=D("150.00")
    )
    client = login(supervisor)
    html = client.get("/queue/").content.decode()
    until = timezone.localtime(request.expires_at)
    headline = (
        f"{agent.label} asks: refund limit $100.00 → $200.00 until "
        f"{until:%a} {until.day} {until:%b}, {until:%H:%M}"
    )
    assert headline in html
    assert "“The outage week”" in html
    assert "2 requests for more, 0 approved" in html
    assert f'data-escalation="lr-{request.pk}"' in html
    response = client.post(f"/queue/limit-requests/{request.pk}/approve/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f"Approved {agent.label}&#x27;s request" in response.content.decode()
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", supervisor)
    assert Notification.objects.filter(recipient=agent, kind="limit_request_approved").exists()
    assert f'data-escalation="lr-{request.pk}"' not in client.get("/queue/items/").content.decode()


def test_queue_deny_needs_a_note_and_shows_refusals(agent, supervisor, limits):
    request = _pending(agent, limits)
    client = login(supervisor)
    panel = client.get(f"/queue/limit-requests/{request.pk}/decide/", HTTP_HX_REQUEST="true")
    assert 'name="note"' in panel.content.decode()
    empty = client.post(f"/queue/limit-requests/{request.pk}/deny/", {"note": " "})
    assert empty.status_code == 400
    denied = client.post(f"/queue/limit-requests/{request.pk}/deny/", {"note": "Not this week"})
    assert denied.status_code == 302
    again = client.post(f"/queue/limit-requests/{request.pk}/approve/")
    assert again.status_code == 409
    assert "already denied" in again.content.decode()
    assert login(agent).post(f"/queue/limit-requests/{request.pk}/approve/").status_code == 403


def test_queue_query_count_with_limit_requests(supervisor, limits, django_assert_num_queries):
    agent = factories.UserFactory(role="agent", tier=limits.tier)
    _pending(agent, limits)
    client = login(supervisor)
    client.get("/queue/items/")
    # session, user, escalations (none, so nothing more for them), pending limit requests
    # with requester, remedy, assignee and decider, their requesters' 90-day record.
    with django_assert_num_queries(5):
        one = client.get("/queue/items/")
    for _ in range(9):
        _pending(factories.UserFactory(role="agent", tier=limits.tier), limits)
    with django_assert_num_queries(5):
        ten = client.get("/queue/items/")
    assert one.content.decode().count("queue-raise") == 1
    assert ten.content.decode().count("queue-raise") == 10
