"""ISO weeks in the deployment's TIME_ZONE: the weekly digest's unit (Monday to Sunday)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def bounds(self) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) in the deployment's TIME_ZONE."""
        tz = timezone.get_current_timezone()
        start = datetime.combine(self.monday, time.min, tzinfo=tz)
        return start, datetime.combine(self.monday + timedelta(days=7), time.min, tzinfo=tz)

    def previous(self) -> IsoWeek:
        return iso_week_of(self.monday - timedelta(days=7))

    def next(self) -> IsoWeek:
        return iso_week_of(self.monday + timedelta(days=7))


def iso_week_of(day: date) -> IsoWeek:
    year, week, _ = day.isocalendar()
    return IsoWeek(year, week)


def iso_week_parse(raw: str) -> IsoWeek | None:
    """``"2026-W48"`` → IsoWeek, else None."""
    try:
        year_text, week_text = raw.split("-W")
        week = IsoWeek(int(year_text), int(week_text))
        week.monday  # noqa: B018 (raises ValueError for a week that does not exist)
    except (ValueError, TypeError):
        return None
    return week
