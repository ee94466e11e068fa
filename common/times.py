"""Times for people: in the deployment's time zone (``TIME_ZONE``), named, never ISO."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def local_time_phrase(at: datetime) -> str:
    """``Wed 2 Dec, 14:05 CET``: the weekday, the date and the time where the team works."""
    local = timezone.localtime(at)
    zone = local.tzname() or ""
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}" + (f" {zone}" if zone else "")


def iso_time(at: datetime | None) -> str | None:
    """A time as the API writes it (DRF's ``DateTimeField``): ISO 8601 in ``TIME_ZONE``,
    ``Z`` for UTC; None stays None. For bodies built as plain dicts (the resolution, the
    webhook events) so they read exactly like the serializers' output."""
    if at is None:
        return None
    text = timezone.localtime(at).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
