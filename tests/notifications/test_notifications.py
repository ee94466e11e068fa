"""In-app notifications: own only, unread filter, mark read; the e-mail copy once."""

from __future__ import annotations

import pytest
from django.db import transaction

from discretion.models import Notification
from discretion.notifications.services import (
    notification_create,
    notification_deliver,
    notifications_sent_inline,
)
from tests import factories

pytestmark = pytest.mark.django_db


def notify(user, key, **kwargs):
    with transaction.atomic():
        return notification_create(
            recipient=user, kind="test", title=f"Hello {key}", dedupe_key=key, **kwargs
        )


def test_list_own_unread_and_mark_read(api, agent, supervisor):
    first, second = notify(agent, "a"), notify(agent, "b")
    notify(supervisor, "c")
    assert notify(agent, "a") is None  # deduplicated
    client = api.as_user(agent)
    body = client.get("/api/v1/notifications/").json()
    assert body["count"] == 2 and {n["id"] for n in body["results"]} == {first.pk, second.pk}

    read = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    unread = client.get("/api/v1/notifications/?unread=true").json()
    assert [n["id"] for n in unread["results"]] == [second.pk]
    assert client.get("/api/v1/notifications/?unread=maybe").status_code == 400

    other = Notification.objects.get(recipient=supervisor)
    assert client.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404

    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    assert Notification.objects.get(recipient=supervisor).read_at is None


def test_email_copy_is_sent_once(mailoutbox):
    user = factories.UserFactory(email="ana@example.com")
    note = notify(user, "x", body="Please decide.", link="/escalations/1/")
    assert notification_deliver(notification_id=note.pk) is True
    assert notification_deliver(notification_id=note.pk) is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ana@example.com"] and "Hello x" in mailoutbox[0].subject
    assert "Please decide." in mailoutbox[0].body


def test_no_email_address_is_handled_without_sending(mailoutbox):
    user = factories.UserFactory(email="")
    note = notify(user, "y")
    assert notification_deliver(notification_id=note.pk) is False
    note.refresh_from_db()
    assert note.emailed_at is not None and mailoutbox == []


def test_lost_emails_are_found_for_redelivery():
    from datetime import timedelta

    from django.utils import timezone

    from discretion.notifications.services import notification_undelivered_ids

    user = factories.UserFactory()
    fresh, lost, ancient, sent = (notify(user, key) for key in "flas")
    now = timezone.now()
    Notification.objects.filter(pk=lost.pk).update(created_at=now - timedelta(seconds=31))
    Notification.objects.filter(pk=ancient.pk).update(created_at=now - timedelta(days=2))
    Notification.objects.filter(pk=sent.pk).update(
        created_at=now - timedelta(seconds=31), emailed_at=now
    )
    assert notification_undelivered_ids() == [lost.pk]
    assert fresh


def test_a_task_sends_its_notifications_email_itself(
    mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    user = factories.UserFactory(email="sam@example.com")
    enqueued: list[int] = []
    monkeypatch.setattr(
        "discretion.notifications.services.task_send",
        lambda name, notification_id: enqueued.append(notification_id),
    )

    with notifications_sent_inline(), django_capture_on_commit_callbacks(execute=True):
        inline = notify(user, "inline")
    inline.refresh_from_db()
    assert enqueued == [] and len(mailoutbox) == 1 and inline.emailed_at is not None

    # Outside such a block (a web request) the e-mail goes to a task.
    with django_capture_on_commit_callbacks(execute=True):
        queued = notify(user, "queued")
    assert enqueued == [queued.pk] and len(mailoutbox) == 1


def test_a_failed_inline_send_is_left_to_the_sweeper(
    django_capture_on_commit_callbacks, monkeypatch
):
    user = factories.UserFactory(email="sam@example.com")

    def down(**kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("discretion.notifications.services.send_mail", down)
    with notifications_sent_inline(), django_capture_on_commit_callbacks(execute=True):
        note = notify(user, "down")  # does not raise: the notification is committed
    note.refresh_from_db()
    assert note.emailed_at is None  # the claim rolled back; redelivery will find it


def test_a_duplicate_is_skipped_and_the_transaction_goes_on(django_assert_num_queries):
    """Notify once per key, in one statement (INSERT … ON CONFLICT DO NOTHING): the
    duplicate returns None without a savepoint, and the caller's transaction still
    writes after it."""
    user = factories.UserFactory()
    with transaction.atomic():
        first = notification_create(recipient=user, kind="test", title="One", dedupe_key="k")
        with django_assert_num_queries(1):
            again = notification_create(recipient=user, kind="test", title="Two", dedupe_key="k")
        other = notification_create(recipient=user, kind="test", title="Three", dedupe_key="j")
    assert first is not None and first.pk and again is None and other is not None
    assert sorted(Notification.objects.values_list("title", flat=True)) == ["One", "Three"]
    assert Notification.objects.get(pk=first.pk).title == "One"
