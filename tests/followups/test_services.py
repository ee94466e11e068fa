"""discretion.followups: the due reminder is sent once (also under concurrent sweepers),
My follow-ups groups, the nav count, the follow-through rate on the dashboard."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from discretion.dashboard.selectors import NO_TEAM, follow_through_list
from discretion.followups.selectors import follow_up_due_count, my_follow_ups_get
from discretion.followups.services import follow_up_notify, follow_up_notify_due
from discretion.models import FollowUp, Notification
from tests import factories


@pytest.mark.django_db
def test_notify_due_notifies_each_due_follow_up_once(agent):
    now = timezone.now()
    due = factories.FollowUpFactory(created_by=agent, due_at=now - timedelta(minutes=1))
    factories.FollowUpFactory(created_by=agent, due_at=now + timedelta(minutes=1))
    assert follow_up_notify_due(now=now) == 1
    assert follow_up_notify_due(now=now) == 0
    assert follow_up_notify(follow_up_id=due.pk, now=now) is False
    (note,) = Notification.objects.filter(kind="follow_up_due")
    assert note.recipient == agent and note.dedupe_key == f"follow_up:{due.pk}:due"
    # A sentence with the local time it was due, not "by now" or an ISO timestamp.
    assert note.body.startswith("You planned to get back to ") and " by " in note.body
    assert due.due_at.isoformat()[:10] not in note.body
    due.refresh_from_db()
    assert due.notified_at == now


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_notify_once():
    agent = factories.UserFactory(role="agent")
    follow_ups = [
        factories.FollowUpFactory(created_by=agent, due_at=timezone.now() - timedelta(seconds=5))
        for _ in range(5)
    ]
    barrier = threading.Barrier(4)
    results: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(follow_up_notify_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 5
    assert Notification.objects.filter(kind="follow_up_due").count() == 5
    assert not FollowUp.objects.filter(pk__in=[f.pk for f in follow_ups], notified_at=None)


@pytest.mark.django_db
def test_my_follow_ups_groups_and_the_nav_count(agent, django_assert_num_queries):
    now = timezone.now().replace(hour=12, minute=0)
    overdue = factories.FollowUpFactory(created_by=agent, due_at=now - timedelta(hours=1))
    today = factories.FollowUpFactory(created_by=agent, due_at=now + timedelta(hours=1))
    upcoming = factories.FollowUpFactory(created_by=agent, due_at=now + timedelta(days=2))
    done = factories.FollowUpFactory(
        created_by=agent, due_at=now - timedelta(days=1), status="done", done_at=now
    )
    factories.FollowUpFactory(due_at=now - timedelta(hours=1))  # someone else's
    with django_assert_num_queries(2):
        groups = my_follow_ups_get(user=agent, now=now)
        subjects = [f.case.subject for f in groups.overdue + groups.upcoming + groups.done]
    assert len(subjects) == 3
    assert groups.overdue == [overdue] and groups.due_today == [today]
    assert groups.upcoming == [upcoming] and groups.done == [done]
    with django_assert_num_queries(1):
        assert follow_up_due_count(user=agent, now=now) == 2


@pytest.mark.django_db
def test_follow_through_rate_per_team(django_assert_num_queries):
    now = timezone.now()
    returns = factories.TeamFactory(name="Returns")
    billing = factories.TeamFactory(name="Billing")
    nina = factories.UserFactory(role="agent", team=returns)
    omar = factories.UserFactory(role="agent", team=billing)
    loner = factories.UserFactory(role="agent", team=None)
    due = now - timedelta(days=1)
    # Returns: 2 due, 1 done on time, 1 done late.
    factories.FollowUpFactory(
        created_by=nina, due_at=due, status="done", done_at=due - timedelta(hours=1)
    )
    factories.FollowUpFactory(
        created_by=nina, due_at=due, status="done", done_at=due + timedelta(hours=1)
    )
    # Billing: 1 due and still open; one not due yet; one due before the window.
    factories.FollowUpFactory(created_by=omar, due_at=due)
    factories.FollowUpFactory(created_by=omar, due_at=now + timedelta(days=1))
    factories.FollowUpFactory(created_by=omar, due_at=now - timedelta(days=40))
    factories.FollowUpFactory(created_by=loner, due_at=due, status="done", done_at=due)
    with django_assert_num_queries(1):
        rows = follow_through_list(now=now)
    assert [(r.team, r.due, r.on_time) for r in rows] == [
        ("Billing", 1, 0),
        ("Returns", 2, 1),
        (NO_TEAM, 1, 1),
    ]
    assert [r.rate for r in rows] == [0.0, 0.5, 1.0]


@pytest.mark.django_db
def test_the_dashboard_shows_the_follow_through_rate(client, supervisor):
    team = factories.TeamFactory(name="Returns")
    nina = factories.UserFactory(role="agent", team=team)
    due = timezone.now() - timedelta(hours=3)
    factories.FollowUpFactory(created_by=nina, due_at=due, status="done", done_at=due)
    factories.FollowUpFactory(created_by=nina, due_at=due)
    client.force_login(supervisor)
    page = client.get("/dashboard/").content.decode()
    assert "Follow-through per team" in page
    assert "done by their due date" in page
    assert "Returns" in page and "50%" in page
