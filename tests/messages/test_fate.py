"""A resolution's message follows its fate, through the real decision and escalation
services: queued when applied at once, held while pending, queued when approved as asked,
a draft again (agent notified, body opening with the new facts) when lowered, denied or
rejected. In-process; the e-mail itself is ``message_deliver`` with Django's test outbox.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core import mail

from discretion.decisions.services import resolution_request
from discretion.escalations.services import escalation_decide
from discretion.messages.delivery import message_deliver, message_of_resolution
from discretion.messages.services import message_update
from discretion.models import CustomerMessage, Notification
from tests import factories

pytestmark = pytest.mark.django_db

PROMISE = "We will refund your trip costs in full."


@pytest.fixture
def limits(agent):
    return factories.TrustLimitFactory(
        tier=agent.tier, per_remedy_max=D("100.00"), per_case_max=None, daily_max=None
    )


@pytest.fixture
def boss():
    user = factories.UserFactory(role="supervisor")
    factories.TrustLimitFactory(
        agent=user,
        remedy_type=factories.remedy("refund"),
        per_remedy_max=D("50.00"),
        approval_max=D("5000.00"),
    )
    return user


def request(agent, case, amount, message=PROMISE):
    return resolution_request(
        case_id=case.pk,
        acting_user=agent,
        remedy_type=factories.remedy("refund"),
        amount=D(amount),
        reason="Trip wasted",
        customer_message=message,
    )


def message_of(resolution) -> CustomerMessage:
    return CustomerMessage.objects.get(resolution=resolution)


def test_applied_at_once_is_queued_then_sent_once(agent, case, limits):
    resolution = request(agent, case, "40.00")
    message = message_of(resolution)
    assert message.status == "queued" and not message.held
    assert message.body == PROMISE and message.to == case.customer.email
    assert message.subject == f"About your case #{case.pk}: {case.subject}"
    assert message.author == agent and message.sent_by == agent
    assert message_of_resolution(resolution_id=resolution.pk) == message.pk
    assert message_deliver(message_id=message.pk) and not message_deliver(message_id=message.pk)
    assert len(mail.outbox) == 1 and mail.outbox[0].body == PROMISE


def test_no_message_no_row(agent, case, limits):
    resolution = request(agent, case, "40.00", message="")
    assert not CustomerMessage.objects.filter(resolution=resolution).exists()


def test_applied_without_a_customer_email_stays_a_draft(agent, limits):
    case = factories.CaseFactory(customer=factories.CustomerFactory(email=""))
    message = message_of(request(agent, case, "40.00"))
    assert message.status == "draft" and not message.held and "e-mail" in message.draft_reason


def test_pending_is_held_then_sent_when_approved_as_asked(agent, case, limits, boss):
    resolution = request(agent, case, "150.00")
    message = message_of(resolution)
    assert message.status == "draft" and message.held
    assert message_deliver(message_id=message.pk) is False  # a held draft never goes out
    escalation_decide(acting_user=boss, escalation_id=resolution.escalation.pk, approve=True)
    message.refresh_from_db()
    assert message.status == "queued" and not message.held and message.body == PROMISE
    assert message.sent_by == agent
    assert message_deliver(message_id=message.pk)
    assert len(mail.outbox) == 1
    assert not Notification.objects.filter(kind="message_draft").exists()


def test_approved_lower_turns_it_back_into_a_draft_with_the_new_facts(agent, case, limits, boss):
    resolution = request(agent, case, "150.00")
    escalation_decide(
        acting_user=boss, escalation_id=resolution.escalation.pk, approve=True, amount=D("40.00")
    )
    message = message_of(resolution)
    assert message.status == "draft" and not message.held
    first, _, rest = message.body.partition("\n\n")
    assert "$40.00" in first and "$150.00" in first and rest == PROMISE
    assert message.draft_reason == "The refund was lowered to $40.00: edit and send."
    told = Notification.objects.get(recipient=agent, kind="message_draft")
    assert f"case #{case.pk}" in told.title and "lowered to $40.00" in told.body
    assert message_deliver(message_id=message.pk) is False and mail.outbox == []


def test_denied_turns_it_back_into_a_draft_and_tells_the_agent(agent, case, limits, boss):
    resolution = request(agent, case, "150.00")
    escalation_decide(
        acting_user=boss, escalation_id=resolution.escalation.pk, approve=False, note="No."
    )
    message = message_of(resolution)
    assert message.status == "draft" and not message.held
    assert message.body.startswith("A correction to the message below: we are not able to give")
    assert "$150.00 refund" in message.body and message.body.endswith(PROMISE)
    assert "denied" in message.draft_reason
    assert Notification.objects.filter(recipient=agent, kind="message_draft").count() == 1


def test_rejected_by_a_rule_is_a_draft_at_once_and_the_agent_is_told(agent, case, limits):
    factories.PolicyRuleFactory(expression="amount > 30.0", effect="deny")
    resolution = request(agent, case, "40.00")
    assert resolution.status == "rejected"
    message = message_of(resolution)
    assert message.status == "draft" and not message.held
    assert "not able to give you the $40.00 refund" in message.body
    assert "policy rule" in message.draft_reason
    assert Notification.objects.filter(recipient=agent, kind="message_draft").count() == 1


def test_an_edited_held_draft_goes_out_as_edited(agent, case, limits, boss):
    resolution = request(agent, case, "150.00")
    message = message_of(resolution)
    message_update(acting_user=agent, message_id=message.pk, body="Edited while waiting.")
    escalation_decide(acting_user=boss, escalation_id=resolution.escalation.pk, approve=True)
    message_deliver(message_id=message.pk)
    assert mail.outbox[0].body == "Edited while waiting."


def test_the_decision_with_a_message_still_one_batch(
    api, agent, case, limits, django_assert_num_queries
):
    """The message joins the decision's last batch: 9 round trips like without one
    (tests/decisions/test_resolutions_api.py: test_decision_path_query_count)."""
    api.as_user(agent)
    body = {"remedy_type": "refund", "amount": "10.00", "reason": "r", "customer_message": "Hi"}
    api.post(f"/api/v1/cases/{case.pk}/resolutions/", body, format="json")  # warm caches
    with django_assert_num_queries(9):
        response = api.post(f"/api/v1/cases/{case.pk}/resolutions/", body, format="json")
    assert response.status_code == 201
    assert CustomerMessage.objects.filter(status="queued").count() == 2
