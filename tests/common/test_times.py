"""``common.times.iso_time`` writes times exactly as the API's serializers do (DRF's
``DateTimeField``): the plain-dict bodies (resolutions, incidents, webhook events) and
the serializers' agree to the character."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from rest_framework import serializers

from common.times import iso_time

FIELD = serializers.DateTimeField()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York"])
@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 12, 3, 8, 10, tzinfo=UTC),
        datetime(2026, 12, 3, 8, 10, 0, 123456, tzinfo=UTC),
        datetime(2026, 7, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ],
)
def test_iso_time_is_what_the_api_serializers_write(settings, zone, at):
    settings.TIME_ZONE = zone
    assert iso_time(at) == FIELD.to_representation(at)
    assert iso_time(None) is None


def test_utc_is_written_with_z(settings):
    settings.TIME_ZONE = "UTC"
    assert iso_time(datetime(2026, 12, 3, 8, 10, tzinfo=UTC)) == "2026-12-03T08:10:00Z"
