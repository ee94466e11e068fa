"""Through a REAL Celery worker (with beat) to a REAL HTTP receiver on loopback: a
decision's event is POSTed after commit, and a worker SIGKILLed while its POST waits
for an answer still gets the event delivered, with the same id, once the lease ends."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from discretion.models import WebhookDelivery
from tests import factories
from tests.support.webhooks import WebhookReceiver
from tests.support.worker import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

FAST = {
    "DISCRETION_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
    "DISCRETION_WEBHOOK_TIMEOUT_SECONDS": "1",
    "DISCRETION_WEBHOOK_LEASE_SECONDS": "2",
    "DISCRETION_WEBHOOK_BACKOFF_SECONDS": "0.2",
    "DISCRETION_WEBHOOK_SWEEP_SECONDS": "0.3",
    "DISCRETION_WEBHOOK_GRACE_SECONDS": "1",
}


def test_a_worker_killed_mid_delivery_still_delivers_the_same_event(
    api, agent, admin_user, worker_factory, webhook_receiver: WebhookReceiver, settings
):
    settings.DISCRETION_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    worker = worker_factory(env=FAST)
    worker.purge()
    worker.start()
    created = api.as_user(admin_user).post(
        "/api/v1/webhooks/",
        {"url": webhook_receiver.url, "events": ["resolution.applied"]},
        format="json",
    )
    webhook_receiver.secret = created.json()["secret"]
    webhook_receiver.hold_next = True
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    case: Any = factories.CaseFactory()
    body = {"remedy_type": "refund", "amount": "30.00", "reason": "Late"}
    decided = api.as_user(agent).post(f"/api/v1/cases/{case.pk}/resolutions/", body, format="json")
    assert decided.status_code == 201 and decided.json()["status"] == "applied"

    # Enqueued on commit; the worker's POST waits for an answer that never comes.
    assert webhook_receiver.holding.wait(timeout=15)
    worker.kill()
    webhook_receiver.released.set()
    claimed = WebhookDelivery.objects.get()
    assert claimed.status == "pending" and claimed.attempts == 1 and claimed.leased_until

    worker.start()
    wait_for(lambda: WebhookDelivery.objects.get().status == "delivered", timeout=20)
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2 and delivery.event_id == claimed.event_id
    [held, delivered] = webhook_receiver.requests
    assert held.answered is None and delivered.answered == 200
    assert held.event["id"] == delivered.event["id"] == delivery.event_id
    assert held.verified and delivered.verified
    assert delivered.event["data"]["id"] == decided.json()["id"]
