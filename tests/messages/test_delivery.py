"""Delivery through a REAL Celery worker to a REAL SMTP server on loopback: every message
reaches the customer once, whatever is lost, duplicated, refused or killed on the way
(docs/concurrency.md, "The customer outbox").
"""

from __future__ import annotations

import time
from decimal import Decimal as D

import pytest

from common.tasks import task_send
from discretion.models import CustomerMessage, Notification
from tests import factories
from tests.support.smtp import SmtpServer
from tests.support.worker import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

FAST = {
    "DISCRETION_MESSAGE_SWEEP_SECONDS": "0.3",
    "DISCRETION_MESSAGE_GRACE_SECONDS": "1",
    "DISCRETION_MESSAGE_RETRY_SECONDS": "0.2",
    "DISCRETION_MESSAGE_MAX_ATTEMPTS": "3",
    "DISCRETION_MESSAGE_LEASE_SECONDS": "4",
    "EMAIL_TIMEOUT": "3",
}


def worker_for(worker_factory, smtp: SmtpServer, **env: str):
    worker = worker_factory(env={**FAST, **smtp.env(), **env})
    worker.purge()
    return worker


def send(api, user, case, body="Your refund is on its way."):
    response = api.as_user(user).post(
        f"/api/v1/cases/{case.pk}/messages/", {"body": body, "send": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    return CustomerMessage.objects.get(pk=response.json()["id"])


def settled(message_id: int) -> CustomerMessage:
    """Wait until nothing is left to do for it, then give the sweeper time to misbehave."""
    wait_for(
        lambda: CustomerMessage.objects.get(pk=message_id).status in ("sent", "failed"),
        timeout=30,
    )
    time.sleep(1.5)  # five sweeps: none may send it again
    return CustomerMessage.objects.get(pk=message_id)


def test_sent_once_even_when_its_task_is_delivered_three_times(
    api, agent, worker_factory, smtp_server
):
    worker_for(worker_factory, smtp_server).start()
    # Long enough that SMTP folds the Subject header: the customer still reads one line.
    case = factories.CaseFactory(
        subject="The parcel went to the neighbour's house and was never returned"
    )
    message = send(api, agent, case)
    assert len(f"Subject: {message.subject}") > 78
    for _ in range(2):  # duplicate deliveries of the same task
        task_send("discretion.send_customer_message", message.pk)
    message = settled(message.pk)
    assert message.status == "sent" and message.attempts == 1 and message.sent_at
    [mail] = smtp_server.received
    assert mail["Message-ID"] == message.message_id
    assert mail["To"] == case.customer.email and mail["Subject"] == message.subject
    assert mail.get_payload().strip() == "Your refund is on its way."


def test_a_resolution_applied_with_a_message_is_e_mailed_once(
    api, agent, worker_factory, smtp_server
):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    worker_for(worker_factory, smtp_server).start()
    case = factories.CaseFactory()
    body = {
        "remedy_type": "refund",
        "amount": "30.00",
        "reason": "Late",
        "customer_message": "We refunded 30.00.",
    }
    response = api.as_user(agent).post(f"/api/v1/cases/{case.pk}/resolutions/", body, format="json")
    assert response.status_code == 201 and response.json()["status"] == "applied"
    message = CustomerMessage.objects.get(resolution_id=response.json()["id"])
    task_send("discretion.send_resolution_message", message.resolution_id)  # a duplicate
    assert settled(message.pk).status == "sent"
    assert [m["Message-ID"] for m in smtp_server.received] == [message.message_id]


def test_a_lost_task_is_made_good_by_the_sweeper(api, agent, worker_factory, smtp_server):
    worker = worker_for(worker_factory, smtp_server)
    message = send(api, agent, factories.CaseFactory())  # enqueued while no worker runs
    assert worker.purge() >= 1  # ...and lost in transit
    worker.start()
    assert settled(message.pk).status == "sent"
    assert smtp_server.count() == 1


def test_smtp_refusals_are_retried_then_sent_or_failed_and_the_sender_told(
    api, agent, worker_factory, smtp_server
):
    worker_for(worker_factory, smtp_server).start()
    smtp_server.refuse = 2
    first = send(api, agent, factories.CaseFactory())
    first = settled(first.pk)
    assert first.status == "sent" and first.attempts == 3 and first.last_error == ""
    assert smtp_server.count() == 1 and smtp_server.attempts == 3

    smtp_server.refuse = 1000
    second = send(api, agent, factories.CaseFactory())
    second = settled(second.pk)
    assert second.status == "failed" and second.attempts == 3
    assert "451" in second.last_error
    assert smtp_server.count() == 1  # still only the first one
    told = Notification.objects.get(recipient=agent, kind="message_failed")
    assert f"case #{second.case_id}" in told.title and "3 attempts" in told.body


def test_a_worker_killed_before_the_server_accepted_it_delivers_once_after_restart(
    api, agent, worker_factory, smtp_server
):
    worker = worker_for(worker_factory, smtp_server).start()
    smtp_server.hold_next = True
    message = send(api, agent, factories.CaseFactory())
    # The worker is in the middle of the SMTP conversation, waiting for the server's answer.
    assert smtp_server.holding.wait(timeout=20)
    worker.kill()
    smtp_server.released.set()  # the held attempt is answered 451 to nobody
    claimed = CustomerMessage.objects.get(pk=message.pk)
    assert claimed.status == "queued" and claimed.attempts == 1  # its lease is running
    worker.start()
    message = settled(message.pk)
    assert message.status == "sent" and message.attempts == 2
    [mail] = smtp_server.received
    assert mail["Message-ID"] == message.message_id == claimed.message_id
