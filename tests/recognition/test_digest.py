"""The weekly kudos digest: once per ISO week and team, recognitions only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from common.tasks import task_send
from discretion.models import Notification
from discretion.recognition.services import recognition_digest_send
from discretion.recognition.weeks import iso_week_of, iso_week_parse
from tests import factories
from tests.support.worker import wait_for


def _team_with_kudos(name: str, *, when: datetime):
    team = factories.TeamFactory(name=name)
    rosa = factories.UserFactory(role="agent", team=team, display_name="Rosa")
    nina = factories.UserFactory(role="agent", team=team, display_name="Nina")
    factories.RecognitionFactory(
        agent=rosa, from_user=nina, note="Calm under fire", created_at=when
    )
    return team, rosa, nina


@pytest.mark.django_db
def test_each_team_hears_of_its_own_recognitions_of_last_week_once():
    now = timezone.now()
    last_week = now - timedelta(days=7)
    returns, rosa, nina = _team_with_kudos("Returns", when=last_week)
    billing = factories.TeamFactory(name="Billing")
    omar = factories.UserFactory(role="agent", team=billing)
    gone = factories.UserFactory(role="agent", team=returns, is_active=False)
    # This week's and a review's coach verdict are not in last week's digest.
    factories.RecognitionFactory(agent=nina, from_user=rosa, note="Not yet", created_at=now)
    factories.ReviewFactory(
        resolution=factories.ResolutionFactory(agent=rosa, status="applied"),
        status="done",
        verdict="coach",
        note="Ask first",
        reviewer=omar,
        done_at=now,
    )

    assert recognition_digest_send(now=now) == 2
    digests = Notification.objects.filter(kind="recognition_digest")
    assert {n.recipient_id for n in digests} == {rosa.pk, nina.pk}
    week = iso_week_of(timezone.localdate(now)).previous()
    for digest in digests:
        assert digest.dedupe_key == f"kudos-digest:{week.key}:team{returns.pk}"
        assert "Calm under fire" in digest.body
        assert "Not yet" not in digest.body and "Ask first" not in digest.body
        assert digest.link == f"/team/kudos/?week={week.key}"
    assert not Notification.objects.filter(recipient__in=[omar, gone]).exists()
    # Again (beat tries every hour): nobody hears twice.
    assert recognition_digest_send(now=now) == 0
    assert digests.count() == 2


@pytest.mark.django_db
def test_no_recognitions_no_digest():
    factories.UserFactory(team=factories.TeamFactory())
    assert recognition_digest_send() == 0
    assert not Notification.objects.exists()


def test_iso_weeks():
    week = iso_week_parse("2026-W01")
    assert week is not None and week.monday.isoformat() == "2025-12-29"
    assert week.previous().key == "2025-W52"
    assert week.next().key == "2026-W02"
    assert iso_week_parse("2026-W60") is None and iso_week_parse("nope") is None


def test_the_digest_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["discretion-recognition-digest"]
    assert entry["task"] == "discretion.recognition_digest"
    assert entry["schedule"] <= 3600


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_runs_on_a_real_worker(worker_factory):
    worker = worker_factory(beat=False)
    worker.purge()
    worker.start()
    _team, rosa, nina = _team_with_kudos("Returns", when=timezone.now() - timedelta(days=7))
    assert task_send("discretion.recognition_digest")
    wait_for(
        lambda: Notification.objects.filter(kind="recognition_digest").count() == 2, timeout=10
    )
    assert set(
        Notification.objects.filter(kind="recognition_digest").values_list(
            "recipient_id", flat=True
        )
    ) == {rosa.pk, nina.pk}
