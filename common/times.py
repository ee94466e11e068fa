"""Times for people: in the deployment's time zone (``TIME_ZONE``), named, never ISO."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def local_time_phrase(at: datetime) -> str:
    """``Wed 2 Dec, 14:05 CET``: the weekday, the date and the time where the team works."""
    local = timezone.localtime(at)
    zone = local.tzname() or ""
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}" + (f" {zone}" if zone else "")
