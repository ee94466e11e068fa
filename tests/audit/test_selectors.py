"""audit.selectors: the audit trail as the API and the admin log read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.selectors import audit_event_list
from audit.services import audit_record
from tests import factories

pytestmark = pytest.mark.django_db


def _events(actor, n):
    for i in range(n):
        audit_record(
            actor=actor,
            action="trust_limit_update",
            object_type="trust_limit",
            object_id=i,
            before=None,
            after={"i": i},
        )


def test_a_page_is_one_query_with_the_actor_joined(admin_user, django_assert_num_queries):
    _events(admin_user, 15)
    with django_assert_num_queries(1):
        page = list(audit_event_list()[:10])
        assert [e.actor.username for e in page] == [admin_user.username] * 10
    assert page == sorted(page, key=lambda e: (e.at, e.pk), reverse=True)


def test_filters(admin_user):
    other = factories.UserFactory(role="admin")
    _events(admin_user, 2)
    _events(other, 1)
    assert audit_event_list(actor_id=other.pk).count() == 1
    assert audit_event_list(object_type="trust_limit", object_id="0").count() == 2
    now = timezone.now()
    assert audit_event_list(since=now + timedelta(minutes=1)).count() == 0
    assert audit_event_list(until=now + timedelta(minutes=1)).count() == 3
