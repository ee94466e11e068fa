"""Supervisor context (issue 16, part 5): the queue card tells the case's story with the
customer's message draft and the agent's reason; a supervisor decides from the case page;
the bell counts pending work and a decided escalation leaves it; notification texts use
local times and e-mail links are absolute (DISCRETION_BASE_URL)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from cases.models import CaseEvent
from discretion.escalations.routing import escalation_route
from discretion.escalations.services import escalation_decide
from discretion.models import Escalation, Notification
from discretion.notifications.services import notification_deliver
from tests import factories
from tests.support.escalations import on_call, open_escalation

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pam():
    user = factories.UserFactory(role="supervisor", display_name="Pam Beesly")
    factories.TrustLimitFactory(
        agent=user, per_remedy_max=Decimal("100.00"), approval_max=Decimal("1000.00")
    )
    on_call(user)
    return user


@pytest.fixture
def waiting(pam):
    case = factories.CaseFactory(description="The jacket sold as waterproof let the rain in.")
    CaseEvent.objects.create(case=case, kind="note", summary="Customer sent photos of the seams.")
    escalation = open_escalation(amount="150.00", case=case)
    resolution = escalation.resolution
    resolution.reason = "Second faulty jacket in a month."
    resolution.customer_message = "We are sorry: we refund the jacket in full."
    resolution.save(update_fields=["reason", "customer_message"])
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.assigned_to == pam
    return escalation


def test_queue_card_tells_the_story(pam, waiting):
    html = login(pam).get("/queue/items/").content.decode()
    assert "let the rain in" in html
    assert "Customer sent photos of the seams." in html  # the timeline's last events
    assert "We are sorry: we refund the jacket in full." in html
    assert "Second faulty jacket in a month." in html


def test_decide_from_the_case_page(pam, waiting):
    client = login(pam)
    case_id = waiting.resolution.case_id
    page = client.get(f"/cases/{case_id}/").content.decode()
    assert f'hx-get="/cases/{case_id}/decide-here/"' in page
    panel = client.get(f"/cases/{case_id}/decide-here/").content.decode()
    assert "Waiting for a decision" in panel and "$150.00" in panel
    # Deny without a note: refused, nothing decided.
    url = f"/cases/{case_id}/decide-here/{waiting.pk}/"
    refused = client.post(url, {"decision": "deny", "note": ""}, follow=True).content.decode()
    assert Escalation.objects.get(pk=waiting.pk).status == "pending"
    assert "Write a note: the agent sees it and needs to know why." in refused
    # Raising the amount: the same refusal as in the queue, nothing decided.
    raised = client.post(url, {"decision": "approve", "amount": "999.00"}, follow=True)
    assert Escalation.objects.get(pk=waiting.pk).status == "pending"
    assert "not raise it" in raised.content.decode()
    response = client.post(url, {"decision": "approve", "amount": "120.00", "note": ""})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case_id}/"
    # Worded once for both screens (web.supervisor.deciding): the queue says the same.
    shown = client.get(f"/cases/{case_id}/").content.decode()
    agent_name = waiting.resolution.agent.label
    assert (
        f"Approved {agent_name}&#x27;s refund of $120.00 (lowered from $150.00). "
        f"{agent_name} has been notified."
    ) in shown
    decided = Escalation.objects.select_related("resolution").get(pk=waiting.pk)
    assert (decided.status, decided.resolution.amount) == ("approved", Decimal("120.00"))
    assert client.get(f"/cases/{case_id}/decide-here/").content == b""
    # An agent sees no panel and may not load it.
    agent = waiting.resolution.agent
    assert "decide-here" not in login(agent).get(f"/cases/{case_id}/").content.decode()
    assert login(agent).get(f"/cases/{case_id}/decide-here/").status_code == 403


def test_bell_counts_pending_work_and_decided_escalations_leave_it(pam, waiting):
    client = login(pam)
    # The escalation (its "approval needed" notification is not counted twice) and one
    # unread note.
    assert Notification.objects.filter(recipient=pam, kind="escalation_assigned").exists()
    factories.NotificationFactory(recipient=pam, title="Kudos", link="/cases/")
    bell = client.get("/notifications/bell/").content.decode()
    assert ">2<" in bell and "1 escalation waiting for your decision" in bell
    escalation_decide(acting_user=pam, escalation_id=waiting.pk, approve=True)
    assert ">1<" in client.get("/notifications/bell/").content.decode()


def test_notification_text_has_local_time_and_the_email_an_absolute_link(pam, waiting, settings):
    settings.DISCRETION_BASE_URL = "https://discretion.example.com"
    note = Notification.objects.get(recipient=pam, kind="escalation_assigned")
    # A sentence with a local time ("Wed 2 Dec, 14:05 UTC"), not an ISO timestamp.
    assert re.search(r"please decide by \w{3} \d{1,2} \w{3}, \d\d:\d\d \w+, or it", note.body)
    assert "Their reason: “Second faulty jacket in a month.”" in note.body
    assert notification_deliver(notification_id=note.pk)
    (email,) = mail.outbox
    assert "Open it in Discretion: https://discretion.example.com/escalations/" in email.body
