"""Events are written in the transaction of the change they report, through the real
services: one delivery per enabled subscribed endpoint, none for a change that rolled
back, and no extra round trip on the decision path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.utils import timezone

from discretion.decisions.services import resolution_request
from discretion.escalations.services import escalation_decide
from discretion.incidents.services import incident_declare, incident_end, incidents_end_due
from discretion.messages.delivery import message_deliver, message_of_resolution
from discretion.models import WebhookDelivery, WebhookEvent
from discretion.webhooks import services
from discretion.webhooks.services import webhook_event_add
from tests import factories

pytestmark = pytest.mark.django_db


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


def decide(agent, case, amount, message=""):
    return resolution_request(
        case_id=case.pk,
        acting_user=agent,
        remedy_type=factories.remedy("refund"),
        amount=D(amount),
        reason="Late delivery",
        customer_message=message,
    )


def events(type_: str) -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(type=type_))


def test_each_decision_outcome_is_an_event_for_its_subscribers(agent, case, limits):
    everything = factories.WebhookEndpointFactory()
    applied_only = factories.WebhookEndpointFactory(events=["resolution.applied"])
    factories.WebhookEndpointFactory(enabled=False)
    applied = decide(agent, case, "30.00")
    escalated = decide(agent, case, "300.00")
    factories.PolicyRuleFactory(expression="amount > 400.0", effect="deny")
    rejected = decide(agent, case, "500.00")

    [event] = events("resolution.applied")
    assert event.id.startswith("evt_") and len(event.id) == 36
    assert event.data["id"] == applied.pk and event.data["case"] == case.pk
    assert event.data["amount"] == "30.00" and event.data["currency"] == "USD"
    assert event.data["status"] == "applied" and event.data["decision"]["outcome"] == "apply"
    assert {d.endpoint_id for d in event.deliveries.all()} == {everything.pk, applied_only.pk}

    [event] = events("resolution.escalated")
    assert event.data["id"] == escalated.pk and event.data["status"] == "pending_approval"
    assert event.data["escalation"] == {
        "id": escalated.escalation.pk,
        "status": "pending",
        "level": 1,
        "assigned_to": None,  # routing runs after commit
        "due_at": None,
    }
    assert [d.endpoint_id for d in event.deliveries.all()] == [everything.pk]
    [event] = events("resolution.rejected")
    assert event.data["id"] == rejected.pk and event.data["status"] == "rejected"
    assert WebhookDelivery.objects.filter(status="pending", attempts=0).count() == 4


def test_a_resolution_events_data_is_the_resolution_as_the_api_shows_it(
    api, admin_user, agent, case, limits
):
    """One builder (discretion.decisions.body): what a receiver gets is what an admin
    reads at GET /api/v1/resolutions/{id}/, field for field, for each outcome."""
    factories.WebhookEndpointFactory()
    factories.PolicyRuleFactory(expression="amount > 400.0", effect="deny")
    made = [decide(agent, case, "30.00"), decide(agent, case, "500.00")]
    client = api.as_user(admin_user)
    for resolution in made:
        [event] = WebhookEvent.objects.filter(data__id=resolution.pk)
        read = client.get(f"/api/v1/resolutions/{resolution.pk}/").json()
        assert event.data == read
    escalated = decide(agent, case, "300.00")
    [event] = events("resolution.escalated")
    read = client.get(f"/api/v1/resolutions/{escalated.pk}/").json()
    # Routing (after commit) may since have assigned it; everything else is the same.
    assert {**event.data, "escalation": None} == {**read, "escalation": None}
    assert event.data["escalation"]["id"] == read["escalation"]["id"]


def test_an_incidents_start_and_end_are_events_with_the_incident_as_the_api_shows_it(
    api, admin_user, supervisor
):
    factories.WebhookEndpointFactory(events=["incident.started", "incident.ended"])
    incident = incident_declare(
        acting_user=supervisor,
        title="Outage 3 Dec",
        customer_explanation="Payments failed this morning.",
        ends_at=timezone.now() + timedelta(hours=4),
        budget=D("5000.00"),
        remedies=[(factories.remedy("refund"), D("60.00"))],
    )
    [started] = events("incident.started")
    client = api.as_user(admin_user)
    assert started.data == client.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert started.data["status"] == "active" and started.data["remedies"] == [
        {"remedy_type": "refund", "per_remedy_max": "60.00"}
    ]
    incident_end(acting_user=supervisor, incident_id=incident.pk)
    [ended] = events("incident.ended")
    assert ended.data == client.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert ended.data["status"] == "ended" and ended.data["ended_by"] == supervisor.pk


def test_an_incident_that_ends_by_itself_is_an_event_too(supervisor):
    factories.WebhookEndpointFactory(events=["incident.ended"])
    incident = factories.IncidentFactory(ends_at=timezone.now() + timedelta(minutes=1))
    assert incidents_end_due(now=timezone.now() + timedelta(minutes=2)) == 1
    [ended] = events("incident.ended")
    assert ended.data["id"] == incident.pk and ended.data["ended_by"] is None


def test_nobody_subscribed_writes_nothing(agent, case, limits):
    factories.WebhookEndpointFactory(events=["message.sent"])
    decide(agent, case, "30.00")
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_change_that_rolls_back_leaves_no_event(agent, case, limits):
    factories.WebhookEndpointFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        decide(agent, case, "30.00")
        assert WebhookEvent.objects.count() == 1  # written in the change's transaction
        raise RuntimeError("the change fails after the decision")
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_an_escalation_decision_is_an_event(agent, case, limits, boss):
    endpoint = factories.WebhookEndpointFactory(events=["escalation.decided"])
    resolution = decide(agent, case, "300.00")
    escalation_decide(
        acting_user=boss,
        escalation_id=resolution.escalation.pk,
        approve=True,
        amount=D("250.00"),
        note="Lowered",
    )
    [event] = events("escalation.decided")
    assert event.data["id"] == resolution.escalation.pk and event.data["status"] == "approved"
    assert event.data["amount"] == "250.00" and event.data["requested_amount"] == "300.00"
    assert event.data["decided_by"] == boss.pk and event.data["case"] == case.pk
    assert event.data["resolution_status"] == "applied"
    assert event.deliveries.get().endpoint == endpoint


def test_a_sent_message_is_an_event(agent, case, limits):
    factories.WebhookEndpointFactory(events=["message.sent"])
    resolution = decide(agent, case, "30.00", message="Your refund is on its way.")
    message_id = message_of_resolution(resolution_id=resolution.pk)
    assert message_id is not None and not WebhookEvent.objects.exists()
    assert message_deliver(message_id=message_id)
    [event] = events("message.sent")
    assert event.data["id"] == message_id and event.data["status"] == "sent"
    assert event.data["case"] == case.pk and event.data["sent_at"]


def test_the_decision_path_keeps_its_round_trips(
    api, agent, case, limits, django_assert_num_queries
):
    """The event joins the decision's last batch: 9 round trips, as without a webhook
    (tests/decisions/test_resolutions_api.py: test_decision_path_query_count)."""
    factories.WebhookEndpointFactory()
    client = api.as_user(agent)
    body = {"remedy_type": "refund", "amount": "5.00", "reason": "x"}
    client.post(f"/api/v1/cases/{case.pk}/resolutions/", body, format="json")  # warm
    with django_assert_num_queries(9):
        response = client.post(f"/api/v1/cases/{case.pk}/resolutions/", body, format="json")
    assert response.status_code == 201
    assert WebhookDelivery.objects.count() == 2


def test_enqueued_after_commit_only_when_someone_subscribes(
    django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[tuple] = []
    monkeypatch.setattr(services, "task_send", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_add(type="incident.started", data={"id": 1})
    assert sent == [] and not WebhookEvent.objects.exists()
    factories.WebhookEndpointFactory(events=["incident.started"])
    services.webhook_subscriptions_reset()
    with django_capture_on_commit_callbacks(execute=True):
        event_id = webhook_event_add(type="incident.started", data={"id": 2})
        assert sent == []  # not before commit
    assert sent == [("discretion.send_webhook_event", event_id)]
    assert WebhookEvent.objects.get().data == {"id": 2}
    with pytest.raises(ValueError):
        webhook_event_add(type="incident.exploded", data={})
