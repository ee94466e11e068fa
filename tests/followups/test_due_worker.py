"""A follow-up falls due and its assignee is notified once: through a REAL Celery worker
with beat (tests/support/worker.py), the sweep interval shortened through the
environment (``DISCRETION_FOLLOW_UP_SWEEP_SECONDS``)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from discretion.models import FollowUp, Notification
from tests import factories
from tests.support.worker import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_follow_up_falls_due_and_the_agent_is_notified_once(worker_factory):
    worker = worker_factory(env={"DISCRETION_FOLLOW_UP_SWEEP_SECONDS": "0.5"})
    worker.purge()
    worker.start()
    agent = factories.UserFactory(role="agent", email="nina@example.com")
    case = factories.CaseFactory(assignee=agent, subject="Jacket leaks")
    due_soon = factories.FollowUpFactory(
        case=case, created_by=agent, due_at=timezone.now() + timedelta(seconds=2), note="Call"
    )
    later = factories.FollowUpFactory(
        case=case, created_by=agent, due_at=timezone.now() + timedelta(hours=1)
    )
    done = factories.FollowUpFactory(
        created_by=agent,
        due_at=timezone.now() - timedelta(minutes=5),
        status="done",
        done_at=timezone.now(),
    )
    time.sleep(1)
    assert not Notification.objects.filter(kind="follow_up_due").exists()  # not due yet
    note = wait_for(
        lambda: Notification.objects.filter(kind="follow_up_due", recipient=agent).first(),
        timeout=10,
    )
    assert note.dedupe_key == f"follow_up:{due_soon.pk}:due"
    assert "Jacket leaks" in note.title and note.link == f"/cases/{case.pk}/"
    assert FollowUp.objects.get(pk=due_soon.pk).notified_at is not None
    # The e-mail copy goes out too (console backend), once.
    wait_for(lambda: Notification.objects.get(pk=note.pk).emailed_at, timeout=10)
    # Several more sweeps: still exactly one notification, none for the others.
    time.sleep(2)
    assert Notification.objects.filter(kind="follow_up_due").count() == 1
    assert FollowUp.objects.get(pk=later.pk).notified_at is None
    assert FollowUp.objects.get(pk=done.pk).notified_at is None
    assert worker.log().count("Follow-up due") == 1
