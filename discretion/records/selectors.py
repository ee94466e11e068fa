"""An agent's track record (``GET /api/v1/agents/{id}/record/``, the My record page).

The window is the last ``days`` calendar days in ``TIME_ZONE``, today included (as on the
dashboard), so weekly buckets line up with dates people recognise. Every count is over
the agent's OWN requests (``Resolution.agent``) created in the window, of enabled remedy
types:

- ``applied`` / ``applied_total``: applied on their own authority
  (``counts_against_budget``: what spent their budgets);
- ``escalated``: those with an escalation; once decided, ``approved_unchanged``
  (approved at the requested amount), ``approved_lowered`` (approved lower) or ``denied``;
- ``rejected``: a deny rule matched;
- ``reviewed``: done reviews of those requests; ``review_good``: verdict ``good_call`` or
  ``above_and_beyond``; ``review_coach``: verdict ``coach``;
- ``recognitions``: kudos the agent received in the window.

Fast at any history size: one GROUP BY with FILTER aggregates over the agent's rows on
the index ``resolution_agent_created_idx`` (agent, created_at), the escalation and the
review joined one-to-one (neither multiplies rows), plus one count of recognitions on
``recognition_agent_idx``. The cost follows the agent's requests in the window, never
the size of the whole history (bench/scale.py measures it at 1M resolutions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import Resolution
from common.errors import Forbidden, Invalid, NotFound
from common.money import ZERO
from common.roles import is_supervising
from discretion.models import Escalation, Recognition, Review, User

DEFAULT_DAYS = 90
MAX_DAYS = 365
DAYS_CHOICES = (30, 90, 365)  # what the page offers; the API takes any 1-365
DAYS_MESSAGE = f"Give a whole number of days from 1 to {MAX_DAYS}."
LIST_LIMIT = 50  # recognitions and reviews listed on the page, newest first

GOOD_VERDICTS = (Review.Verdict.GOOD_CALL, Review.Verdict.ABOVE_AND_BEYOND)


def record_days_parse(raw: str | None) -> int:
    """``?days=`` as an int in 1-365 (absent: 90). Anything else is ``Invalid`` naming
    ``days`` (the API's 400)."""
    if raw is None:
        return DEFAULT_DAYS
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= MAX_DAYS):
        raise Invalid(DAYS_MESSAGE, code="invalid_query", fields={"days": [DAYS_MESSAGE]})
    return int(raw)


def record_subject_get(*, viewer: User, agent_id: int) -> User:
    """Whose record ``viewer`` opens: themself (no query), or, for supervisors and admins,
    anyone. Another agent's is ``Forbidden`` whether or not that user exists (an agent
    learns nothing about other ids); an unknown id is ``NotFound``."""
    if agent_id == viewer.pk:
        return viewer
    if not is_supervising(viewer):
        raise Forbidden(
            "A track record is private: only the agent, supervisors and admins can see it.",
            code="record_private",
        )
    agent = User.objects.select_related("team", "tier").filter(pk=agent_id).first()
    if agent is None:
        raise NotFound("No such agent.")
    return agent


@dataclass(frozen=True)
class RecordWindow:
    days: int
    first_day: date
    today: date
    since: datetime  # the first day's midnight in TIME_ZONE
    until: datetime  # now


def record_window(days: int, now: datetime | None = None) -> RecordWindow:
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=days - 1)
    since = timezone.make_aware(
        datetime.combine(first_day, datetime.min.time()), timezone.get_current_timezone()
    )
    return RecordWindow(days=days, first_day=first_day, today=today, since=since, until=now)


@dataclass
class RemedyRecord:
    remedy_type: str  # code
    remedy_name: str
    requests: int = 0
    applied: int = 0
    escalated: int = 0
    approved_unchanged: int = 0
    approved_lowered: int = 0
    denied: int = 0
    rejected: int = 0
    reviewed: int = 0
    review_good: int = 0
    review_coach: int = 0
    applied_total: Decimal = ZERO


@dataclass
class AgentRecord:
    agent: User
    window: RecordWindow
    remedies: list[RemedyRecord]
    recognitions: int

    @property
    def days(self) -> int:
        return self.window.days

    def _sum(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.remedies)

    @property
    def requests(self) -> int:
        return self._sum("requests")

    @property
    def applied(self) -> int:
        return self._sum("applied")

    @property
    def escalated(self) -> int:
        return self._sum("escalated")

    @property
    def approved(self) -> int:
        return self._sum("approved_unchanged") + self._sum("approved_lowered")

    @property
    def approved_unchanged(self) -> int:
        return self._sum("approved_unchanged")

    @property
    def decided(self) -> int:
        return self.approved + self._sum("denied")

    @property
    def reviewed(self) -> int:
        return self._sum("reviewed")

    @property
    def review_good(self) -> int:
        return self._sum("review_good")

    @property
    def autonomy_rate(self) -> float | None:
        """Applied on their own authority / requests (None without requests)."""
        return self.applied / self.requests if self.requests else None


def _own_requests(agent: User | Iterable[int], window: RecordWindow):
    # The agent's (or agents') requests in the window, on resolution_agent_created_idx.
    who = Q(agent=agent) if isinstance(agent, User) else Q(agent_id__in=list(agent))
    return Resolution.objects.filter(
        who,
        created_at__gte=window.since,
        created_at__lte=window.until,
        remedy_type__enabled=True,
    )


_APPROVED = Q(escalation__status=Escalation.Status.APPROVED)
_REVIEW_DONE = Q(review__status=Review.Status.DONE)
_RECORD_AGGREGATES = {
    "n_requests": Count("id"),
    "n_applied": Count("id", filter=Q(counts_against_budget=True)),
    "n_escalated": Count("escalation"),
    "n_approved_unchanged": Count("id", filter=_APPROVED & Q(amount=F("requested_amount"))),
    "n_approved_lowered": Count("id", filter=_APPROVED & Q(amount__lt=F("requested_amount"))),
    "n_denied": Count("id", filter=Q(escalation__status=Escalation.Status.DENIED)),
    "n_rejected": Count("id", filter=Q(status=Resolution.Status.REJECTED)),
    "n_reviewed": Count("id", filter=_REVIEW_DONE),
    "n_review_good": Count("id", filter=_REVIEW_DONE & Q(review__verdict__in=GOOD_VERDICTS)),
    "n_review_coach": Count("id", filter=_REVIEW_DONE & Q(review__verdict=Review.Verdict.COACH)),
    "sum_applied": Sum("amount", filter=Q(counts_against_budget=True)),
}


def agent_record_rows(*, agent: User, window: RecordWindow):
    """The record's one GROUP BY (also what bench/scale.py EXPLAINs): a row of counts per
    remedy type, in the remedy types' order."""
    return (
        _own_requests(agent, window)
        .values("remedy_type__code", "remedy_type__name", "remedy_type__sort_order")
        .annotate(**_RECORD_AGGREGATES)
        .order_by("remedy_type__sort_order", "remedy_type__code")
    )


def _remedy_record(row: dict[str, Any]) -> RemedyRecord:
    return RemedyRecord(
        remedy_type=row["remedy_type__code"],
        remedy_name=row["remedy_type__name"],
        requests=row["n_requests"],
        applied=row["n_applied"],
        escalated=row["n_escalated"],
        approved_unchanged=row["n_approved_unchanged"],
        approved_lowered=row["n_approved_lowered"],
        denied=row["n_denied"],
        rejected=row["n_rejected"],
        reviewed=row["n_reviewed"],
        review_good=row["n_review_good"],
        review_coach=row["n_review_coach"],
        applied_total=row["sum_applied"] or ZERO,
    )


def agent_record_get(
    *, agent: User, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> AgentRecord:
    """The track record of ``agent`` over the last ``days`` days (two queries).

    One row per enabled remedy type the agent asked for in the window (remedy types
    without a request there are left out), in the remedy types' order.
    """
    window = record_window(days, now)
    remedies = [_remedy_record(row) for row in agent_record_rows(agent=agent, window=window)]
    recognitions = Recognition.objects.filter(
        agent=agent, created_at__gte=window.since, created_at__lte=window.until
    ).count()
    return AgentRecord(agent=agent, window=window, remedies=remedies, recognitions=recognitions)


def agent_remedy_records(
    *, agent_ids: Iterable[int], days: int = DEFAULT_DAYS, now: datetime | None = None
) -> dict[int, list[RemedyRecord]]:
    """The per-remedy rows of several agents' records at once (one query, the same
    aggregates as ``agent_record_get``): for screens that show many records side by side."""
    window = record_window(days, now)
    ids = list(agent_ids)
    rows = (
        _own_requests(ids, window)
        .values("agent_id", "remedy_type__code", "remedy_type__name", "remedy_type__sort_order")
        .annotate(**_RECORD_AGGREGATES)
        .order_by("agent_id", "remedy_type__sort_order", "remedy_type__code")
    )
    out: dict[int, list[RemedyRecord]] = {pk: [] for pk in ids}
    for row in rows:
        out[row["agent_id"]].append(_remedy_record(row))
    return out


# --- Over time (the page's charts) ---------------------------------------------------


@dataclass
class RecordWeek:
    """Seven calendar days ending on ``ends_on`` (the first bucket of a window may be
    shorter). Reviews are those of the week's requests, by verdict."""

    starts_on: date
    ends_on: date
    requests: int = 0
    applied: int = 0
    escalated: int = 0
    rejected: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    recognitions: int = 0

    @property
    def autonomy_rate(self) -> float | None:
        return self.applied / self.requests if self.requests else None

    @property
    def reviewed(self) -> int:
        return sum(self.verdicts.values())


def agent_record_weeks(
    *, agent: User, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> list[RecordWeek]:
    """The window in weeks, oldest first, the newest ending today (two queries: the
    requests and their reviews per day, the recognitions per day)."""
    window = record_window(days, now)
    tz = timezone.get_current_timezone()
    weeks: list[RecordWeek] = []
    ends_on = window.today
    while ends_on >= window.first_day:
        starts_on = max(ends_on - timedelta(days=6), window.first_day)
        weeks.append(
            RecordWeek(
                starts_on=starts_on,
                ends_on=ends_on,
                verdicts={verdict: 0 for verdict in Review.Verdict.values},
            )
        )
        ends_on = starts_on - timedelta(days=1)
    weeks.reverse()

    def week_of(day: date) -> RecordWeek:
        return weeks[len(weeks) - 1 - (window.today - day).days // 7]

    verdict_counts = {
        f"v_{verdict}": Count("id", filter=_REVIEW_DONE & Q(review__verdict=verdict))
        for verdict in Review.Verdict.values
    }
    per_day = (
        _own_requests(agent, window)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(
            n_requests=Count("id"),
            n_applied=Count("id", filter=Q(counts_against_budget=True)),
            n_escalated=Count("escalation"),
            n_rejected=Count("id", filter=Q(status=Resolution.Status.REJECTED)),
            **verdict_counts,
        )
        .order_by("day")
    )
    for row in per_day:
        week = week_of(row["day"])
        week.requests += row["n_requests"]
        week.applied += row["n_applied"]
        week.escalated += row["n_escalated"]
        week.rejected += row["n_rejected"]
        for verdict in Review.Verdict.values:
            week.verdicts[verdict] += row[f"v_{verdict}"]
    recognitions_per_day = (
        Recognition.objects.filter(
            agent=agent, created_at__gte=window.since, created_at__lte=window.until
        )
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    for row in recognitions_per_day:
        week_of(row["day"]).recognitions += row["n"]
    return weeks


def agent_recognition_list(
    *, agent: User, days: int = DEFAULT_DAYS, now: datetime | None = None, limit: int = LIST_LIMIT
) -> list[Recognition]:
    """Kudos the agent received in the window, newest first, with who gave them and the
    resolution (for a link to its case). One query."""
    window = record_window(days, now)
    return list(
        Recognition.objects.filter(
            agent=agent, created_at__gte=window.since, created_at__lte=window.until
        )
        .select_related("from_user", "resolution")
        .order_by("-created_at", "-id")[:limit]
    )


def agent_review_list(
    *, agent: User, days: int = DEFAULT_DAYS, now: datetime | None = None, limit: int = LIST_LIMIT
) -> list[Review]:
    """The agent's done reviews of requests in the window, newest verdict first, with
    the note (``coach`` notes included: only the agent, supervisors and admins see the
    record). One query."""
    window = record_window(days, now)
    return list(
        Review.objects.filter(
            agent=agent,
            status=Review.Status.DONE,
            # The window of the record's counts: the request's time, not the review's.
            resolution__created_at__gte=window.since,
            resolution__created_at__lte=window.until,
            remedy_type__enabled=True,
        )
        .select_related("resolution", "remedy_type", "reviewer")
        .order_by("-done_at", "-id")[:limit]
    )
