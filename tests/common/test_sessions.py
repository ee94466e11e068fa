"""The idle session timeout (common/sessions.py): a browser session ends after
SESSION_COOKIE_AGE (DISCRETION_SESSION_IDLE_HOURS, 8 h) without a request; each request
moves the end forward, writing the session at most every few minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from common.sessions import STAMP, refresh_interval

pytestmark = pytest.mark.django_db

HOURS = 8


@pytest.fixture
def at():
    """``at(t)`` makes t the current time for Django (sessions, the middleware)."""
    start = timezone.now().replace(microsecond=0)
    patcher = mock.patch("django.utils.timezone.now")
    now = patcher.start()

    def move(t: datetime) -> None:
        now.return_value = t

    move(start)
    yield move
    patcher.stop()


def signed_in(client: Client, agent) -> Session:
    client.force_login(agent)
    return Session.objects.get()


def expiry() -> datetime:
    return Session.objects.get().expire_date


def test_the_default_idle_timeout_is_eight_hours(settings):
    assert settings.SESSION_COOKIE_AGE == HOURS * 3600
    assert settings.DISCRETION_SESSION_IDLE_HOURS == HOURS
    assert refresh_interval() == 300


def test_a_session_idle_for_longer_than_the_timeout_has_ended(client, agent, at):
    t0 = timezone.now()
    signed_in(client, agent)
    assert client.get("/cases/").status_code == 200
    assert expiry() == t0 + timedelta(hours=HOURS)
    at(t0 + timedelta(hours=HOURS, minutes=1))
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_every_request_moves_the_end_forward(client, agent, at):
    t0 = timezone.now()
    signed_in(client, agent)
    client.get("/cases/")
    # Seven hours later: still signed in, and now eight hours from here.
    at(t0 + timedelta(hours=7))
    assert client.get("/cases/").status_code == 200
    assert expiry() == t0 + timedelta(hours=7 + HOURS)
    # Fourteen hours after signing in (seven after the last request): still signed in.
    at(t0 + timedelta(hours=14))
    assert client.get("/cases/").status_code == 200
    at(t0 + timedelta(hours=14 + HOURS, minutes=1))
    assert client.get("/cases/").status_code == 302


def test_the_session_is_written_at_most_every_few_minutes(client, agent, at):
    t0 = timezone.now()
    signed_in(client, agent)
    client.get("/cases/")
    stamped = Session.objects.get().get_decoded()[STAMP]
    at(t0 + timedelta(seconds=refresh_interval() - 1))
    client.get("/cases/")
    assert Session.objects.get().get_decoded()[STAMP] == stamped
    assert expiry() == t0 + timedelta(hours=HOURS)
    at(t0 + timedelta(seconds=refresh_interval()))
    client.get("/cases/")
    assert expiry() == t0 + timedelta(seconds=refresh_interval(), hours=HOURS)


def test_a_short_timeout_from_the_setting(client, agent, at, settings):
    settings.SESSION_COOKIE_AGE = 60
    t0 = timezone.now()
    signed_in(client, agent)
    assert client.get("/cases/").status_code == 200
    at(t0 + timedelta(seconds=30))
    assert client.get("/cases/").status_code == 200  # refreshed: 6 s > a tenth of 60 s
    at(t0 + timedelta(seconds=85))
    assert client.get("/cases/").status_code == 200
    at(t0 + timedelta(seconds=85 + 61))
    assert client.get("/cases/").status_code == 302


def test_token_requests_write_no_session(api, agent):
    client = api.as_user(agent)
    assert client.get("/api/v1/me/").status_code == 200
    assert not Session.objects.exists()
