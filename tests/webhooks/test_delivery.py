"""Delivery to a REAL HTTP server on loopback (tests/support/webhooks.py), in-process:
the signature verifies with the docs' receiver, failures and timeouts are retried with
the same event id until delivered, the horizon ends in ``failed``, an address that turned
private is refused at delivery time, and a leased delivery is never attempted twice."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from django.utils import timezone

from common.errors import Conflict
from discretion.models import WebhookDelivery
from discretion.webhooks import targets, transport
from discretion.webhooks.delivery import webhook_backoff, webhook_deliver, webhook_due_ids
from discretion.webhooks.services import webhook_delivery_resend
from tests import factories
from tests.support.webhooks import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast(settings):
    settings.DISCRETION_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    settings.DISCRETION_WEBHOOK_BACKOFF_SECONDS = 0.02
    settings.DISCRETION_WEBHOOK_TIMEOUT_SECONDS = 0.4


@pytest.fixture
def applied(api, agent, admin_user, webhook_receiver: WebhookReceiver):
    """An endpoint on the receiver (created through the API) and an applied refund."""
    response = api.as_user(admin_user).post(
        "/api/v1/webhooks/",
        {"url": webhook_receiver.url, "events": ["resolution.applied"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    webhook_receiver.secret = response.json()["secret"]
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    case: Any = factories.CaseFactory()
    body = {"remedy_type": "refund", "amount": "30.00", "reason": "Late"}
    decided = api.as_user(agent).post(f"/api/v1/cases/{case.pk}/resolutions/", body, format="json")
    assert decided.json()["status"] == "applied"
    return WebhookDelivery.objects.select_related("event").get()


def attempt_when_due(delivery: WebhookDelivery) -> bool:
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert row.next_attempt_at is not None
    time.sleep(max((row.next_attempt_at - timezone.now()).total_seconds(), 0) + 0.01)
    return webhook_deliver(delivery_id=delivery.pk)


def test_delivered_signed_with_the_contract_body_and_headers(applied, webhook_receiver):
    assert webhook_deliver(delivery_id=applied.pk)
    [request] = webhook_receiver.requests
    assert request.verified and request.answered == 200
    event = request.event
    assert set(event) == {"id", "type", "created_at", "data"}
    assert event["id"] == applied.event_id and event["type"] == "resolution.applied"
    assert event["data"]["amount"] == "30.00" and event["data"]["currency"] == "USD"
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("Discretion-Webhooks/")
    assert headers["discretion-event-id"] == applied.event_id
    t, v1 = headers["discretion-signature"].split(",")
    assert t.startswith("t=") and abs(int(t[2:]) - time.time()) < 5 and v1.startswith("v1=")
    delivery = WebhookDelivery.objects.get(pk=applied.pk)
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.status_code == 200 and delivery.delivered_at and not delivery.next_attempt_at
    assert not webhook_deliver(delivery_id=applied.pk)  # a duplicate task does nothing
    assert len(webhook_receiver.requests) == 1


def test_three_500s_then_delivered_with_the_same_event_id(applied, webhook_receiver):
    webhook_receiver.fail = 3
    assert not webhook_deliver(delivery_id=applied.pk)
    failed = WebhookDelivery.objects.get(pk=applied.pk)
    assert failed.status == "pending" and failed.status_code == 500
    assert failed.last_error == "HTTP 500: no" and failed.next_attempt_at is not None
    assert failed.leased_until is None  # the lease is given back at once
    assert not attempt_when_due(applied) and not attempt_when_due(applied)
    assert attempt_when_due(applied)
    delivery = WebhookDelivery.objects.get(pk=applied.pk)
    assert delivery.status == "delivered" and delivery.attempts == 4 and delivery.last_error == ""
    assert [r.answered for r in webhook_receiver.requests] == [500, 500, 500, 200]
    assert {r.event["id"] for r in webhook_receiver.requests} == {applied.event_id}
    assert len({r.body for r in webhook_receiver.requests}) == 1  # the same bytes each time
    assert all(r.verified for r in webhook_receiver.requests)


def test_no_answer_in_time_is_retried(applied, webhook_receiver):
    webhook_receiver.hang, webhook_receiver.hang_seconds = 1, 5.0
    started = time.monotonic()
    assert not webhook_deliver(delivery_id=applied.pk)
    assert time.monotonic() - started < 3.0  # the client gave up at its timeout (0.4 s)
    hung = WebhookDelivery.objects.get(pk=applied.pk)
    assert hung.status == "pending" and hung.status_code is None and hung.attempts == 1
    assert hung.last_error == "No answer within 0.4 s." and hung.leased_until is None
    assert attempt_when_due(applied)
    assert WebhookDelivery.objects.get(pk=applied.pk).attempts == 2


def test_past_its_horizon_it_fails(applied, webhook_receiver):
    WebhookDelivery.objects.filter(pk=applied.pk).update(retry_until=timezone.now())
    webhook_receiver.fail = 1
    assert not webhook_deliver(delivery_id=applied.pk)
    delivery = WebhookDelivery.objects.get(pk=applied.pk)
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert delivery.last_error.startswith("HTTP 500")


def test_a_host_that_now_resolves_inside_is_not_called(applied, webhook_receiver, monkeypatch):
    """DNS rebinding: the name was checked when saved, and is checked again now."""
    applied.endpoint.url = f"http://rebound.example.com:{webhook_receiver.port}/hook"
    applied.endpoint.save()

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(targets.socket, "getaddrinfo", getaddrinfo)
    assert not webhook_deliver(delivery_id=applied.pk)
    delivery = WebhookDelivery.objects.get(pk=applied.pk)
    assert delivery.status == "pending" and delivery.attempts == 1  # retried like any error
    assert "10.0.0.7" in delivery.last_error and "private" in delivery.last_error
    assert webhook_receiver.requests == []


PUBLIC = "93.184.216.34"  # a global address; the test never really connects to it


def test_a_name_that_rebinds_between_the_check_and_the_connection_is_not_followed(
    applied, webhook_receiver, monkeypatch
):
    """The classic rebinding: the name answers a public address first and the loopback
    receiver on every later lookup. A check followed by a connection by name would reach
    the receiver; the delivery connects to the address it checked, or to nothing."""
    applied.endpoint.url = f"http://rebind.example.com:{webhook_receiver.port}/hook"
    applied.endpoint.save()
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example.com":
            return real_getaddrinfo(host, port, *args, **kwargs)
        answer = PUBLIC if not lookups else "127.0.0.1"
        lookups.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    connected: list[tuple[str, int]] = []
    real_connect = transport.socket_connect

    def socket_connect(address, timeout, options=()):
        connected.append(address[4])
        if address[4][0] == PUBLIC:  # stands in for the public host: nobody answers
            raise ConnectionRefusedError(111, "Connection refused")
        return real_connect(address, timeout, options)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(transport, "socket_connect", socket_connect)
    assert not webhook_deliver(delivery_id=applied.pk)
    assert lookups == [PUBLIC]  # resolved once, at the connection
    assert connected == [(PUBLIC, webhook_receiver.port)]
    assert webhook_receiver.requests == []
    delivery = WebhookDelivery.objects.get(pk=applied.pk)
    assert delivery.status == "pending" and "Connection refused" in delivery.last_error

    # Rebound for good: the next attempt resolves to the loopback and is refused before
    # any socket is opened.
    lookups.append("127.0.0.1")
    assert not attempt_when_due(applied)
    assert connected == [(PUBLIC, webhook_receiver.port)] and webhook_receiver.requests == []
    delivery = WebhookDelivery.objects.get(pk=applied.pk)
    assert "127.0.0.1" in delivery.last_error and "loopback" in delivery.last_error


def test_an_allowed_host_is_reached_at_its_address_and_still_named(
    applied, webhook_receiver, monkeypatch, settings
):
    """An allow-listed name resolving to the loopback receiver: delivered, and the pinned
    connection still speaks HTTP by name (the Host header; TLS would use it for SNI)."""
    settings.DISCRETION_WEBHOOK_ALLOW_HOSTS = ["hooks.internal.test"]
    applied.endpoint.url = f"http://hooks.internal.test:{webhook_receiver.port}/hook"
    applied.endpoint.save()
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "hooks.internal.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert webhook_deliver(delivery_id=applied.pk)
    [request] = webhook_receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["host"] == f"hooks.internal.test:{webhook_receiver.port}"


def test_a_leased_delivery_is_not_attempted_again_until_its_lease_ends(applied, webhook_receiver):
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=applied.pk).update(
        attempts=1, leased_until=now + timedelta(seconds=30), next_attempt_at=now
    )
    assert not webhook_deliver(delivery_id=applied.pk) and webhook_receiver.requests == []
    assert applied.pk not in webhook_due_ids()
    WebhookDelivery.objects.filter(pk=applied.pk).update(leased_until=now - timedelta(seconds=1))
    assert applied.pk in webhook_due_ids()  # the worker died: the sweeper gives it to another
    assert webhook_deliver(delivery_id=applied.pk)
    assert WebhookDelivery.objects.get(pk=applied.pk).attempts == 2


def test_a_fresh_delivery_waits_for_its_task_before_the_sweeper_takes_it(applied, settings):
    settings.DISCRETION_WEBHOOK_GRACE_SECONDS = 10
    assert applied.pk not in webhook_due_ids()
    settings.DISCRETION_WEBHOOK_GRACE_SECONDS = 0
    assert applied.pk in webhook_due_ids()


def test_backoff_doubles_with_jitter_and_the_first_retry_is_within_a_minute(settings):
    settings.DISCRETION_WEBHOOK_BACKOFF_SECONDS = 30
    settings.DISCRETION_WEBHOOK_BACKOFF_MAX_SECONDS = 3600
    firsts = [webhook_backoff(1).total_seconds() for _ in range(50)]
    assert all(15 <= s <= 30 for s in firsts) and len(set(firsts)) > 1
    assert 30 <= webhook_backoff(2).total_seconds() <= 60
    assert 1800 <= webhook_backoff(30).total_seconds() <= 3600


def test_a_delivery_whose_endpoint_vanished_is_dropped(applied, webhook_receiver):
    """The delivery's endpoint key has no database constraint (models.py says why)."""
    type(applied.endpoint).objects.filter(pk=applied.endpoint_id)._raw_delete("default")
    assert not webhook_deliver(delivery_id=applied.pk)
    assert not WebhookDelivery.objects.exists() and webhook_receiver.requests == []


def test_a_disabled_endpoints_deliveries_wait_until_it_is_enabled(
    applied, webhook_receiver, admin_user, settings
):
    settings.DISCRETION_WEBHOOK_GRACE_SECONDS = 0
    type(applied.endpoint).objects.filter(pk=applied.endpoint_id).update(enabled=False)
    assert not webhook_deliver(delivery_id=applied.pk) and webhook_receiver.requests == []
    assert applied.pk not in webhook_due_ids()
    with pytest.raises(Conflict):
        webhook_delivery_resend(
            acting_user=admin_user, endpoint_id=applied.endpoint_id, event_id=applied.event_id
        )
    type(applied.endpoint).objects.filter(pk=applied.endpoint_id).update(enabled=True)
    assert applied.pk in webhook_due_ids()
    assert webhook_deliver(delivery_id=applied.pk)
    assert WebhookDelivery.objects.get(pk=applied.pk).attempts == 1
