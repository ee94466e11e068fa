"""discretion.notifications.selectors: the bell, the page and the API list."""

from __future__ import annotations

import pytest
from django.utils import timezone

from discretion.models import Notification
from discretion.notifications.selectors import (
    notification_get,
    notification_list,
    notification_unread_count,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _notify(user, n, *, read=False):
    return Notification.objects.create(
        recipient=user,
        kind="x",
        title=f"Note {n}",
        dedupe_key=f"k{n}",
        read_at=timezone.now() if read else None,
    )


def test_list_is_one_query_newest_first(agent, django_assert_num_queries):
    for n in range(6):
        _notify(agent, n, read=n % 2 == 0)
    _notify(factories.UserFactory(), 99)
    with django_assert_num_queries(1):
        titles = [n.title for n in notification_list(user=agent)]
    assert titles == [f"Note {n}" for n in reversed(range(6))]
    assert {n.title for n in notification_list(user=agent, unread=True)} == {
        "Note 1",
        "Note 3",
        "Note 5",
    }
    with django_assert_num_queries(1):
        assert notification_unread_count(user=agent) == 3


def test_get_is_only_for_the_recipient(agent):
    mine = _notify(agent, 1)
    theirs = _notify(factories.UserFactory(), 2)
    assert notification_get(user=agent, notification_id=mine.pk) == mine
    with pytest.raises(Notification.DoesNotExist):
        notification_get(user=agent, notification_id=theirs.pk)
