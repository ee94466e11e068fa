"""Review reads: the agent's own reviews for their record, the queue; exact query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from discretion.models import Review
from discretion.recognition.selectors import recognition_team_week
from discretion.recognition.weeks import iso_week_of
from discretion.reviews.selectors import review_queue, reviews_for_agent
from tests import factories

pytestmark = pytest.mark.django_db


def _done(agent, reviewer, *, verdict="coach", days_ago=0):
    resolution = factories.ResolutionFactory(agent=agent, status="applied")
    when = timezone.now() - timedelta(days=days_ago)
    return factories.ReviewFactory(
        resolution=resolution,
        status="done",
        verdict=verdict,
        note=f"{verdict} note",
        reviewer=reviewer,
        done_at=when,
        created_at=when,
    )


def test_reviews_for_agent_are_their_own_done_ones_with_notes(
    agent, supervisor, django_assert_num_queries
):
    mine = _done(agent, supervisor)
    good = _done(agent, supervisor, verdict="good_call", days_ago=1)
    _done(agent, supervisor, days_ago=100)  # before `since`
    _done(factories.UserFactory(), supervisor)  # someone else's
    factories.ReviewFactory(resolution=factories.ResolutionFactory(agent=agent))  # pending
    with django_assert_num_queries(1):
        found = reviews_for_agent(agent=agent, since=timezone.now() - timedelta(days=90))
        assert [r.pk for r in found] == [mine.pk, good.pk]
        assert found[0].note == "coach note"
        assert found[0].reviewer.label and found[0].resolution.remedy_type.code
        assert found[0].resolution.case.subject


def test_the_queue_is_one_query(django_assert_num_queries):
    for _ in range(4):
        factories.ReviewFactory()
    with django_assert_num_queries(1):
        cards = review_queue(status=Review.Status.PENDING)
        assert len(cards) == 4
        assert all(c.resolution.case.subject and c.agent.label for c in cards)
        assert [c.reviewer for c in cards] == [None] * 4


def test_a_teams_week_is_one_query(django_assert_num_queries):
    team = factories.TeamFactory()
    for _ in range(3):
        factories.RecognitionFactory(agent=factories.UserFactory(team=team))
    factories.RecognitionFactory()  # another team's
    week = iso_week_of(timezone.localdate())
    with django_assert_num_queries(1):
        rows = recognition_team_week(team=team, week=week)
        assert len(rows) == 3 and all(r.from_user.label for r in rows)
