"""Back-office read models: the supervisor queue and the dashboard metrics.

Selectors only (nothing here writes). Each function runs a fixed number of aggregate
queries whatever the number of rows: the queue is five queries for 1 or 200 pending
escalations, the dashboard seven for any amount of history.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import RemedyType, Resolution
from common.money import ZERO
from discretion.models import Escalation, FollowUp, Review, Role, TrustLimit, User

WINDOW_DAYS = 30


@dataclass
class DayRow:
    day: date
    total: int = 0
    autonomous: int = 0
    escalated: int = 0
    rejected: int = 0

    @property
    def autonomy_rate(self) -> float | None:
        return None if not self.total else self.autonomous / self.total


@dataclass
class SpendRow:
    remedy_type: RemedyType
    own: Decimal = ZERO  # applied on the agents' own authority (counts against budgets)
    approved: Decimal = ZERO  # applied on a supervisor's approval
    monthly_caps: Decimal = ZERO  # sum of the monthly caps in force for active users
    uncapped_users: int = 0  # users whose effective limit has no monthly cap

    @property
    def total(self) -> Decimal:
        return self.own + self.approved

    @property
    def share_of_caps(self) -> float | None:
        if self.uncapped_users or not self.monthly_caps:
            return None
        return float(self.own / self.monthly_caps)


@dataclass
class DashboardMetrics:
    since: datetime
    until: datetime
    days: list[DayRow]
    resolutions: int
    autonomous: int
    escalations: int
    decided: int
    median_decision_seconds: float | None
    overdue: int
    late_pending: int
    pending: int
    spend: list[SpendRow]
    month_start: date
    failing: list[tuple[str, int]] = field(default_factory=list)

    @property
    def autonomy_rate(self) -> float | None:
        return None if not self.resolutions else self.autonomous / self.resolutions

    @property
    def sla_breaches(self) -> int:
        return self.overdue + self.late_pending


CHECK_LABELS = {
    "per_remedy_max": "Per-remedy cap",
    "per_case_max": "Per-case cap",
    "daily_max": "Daily cap",
    "monthly_max": "Monthly cap",
    "policy_rules": "Policy rules",
    "no_limit": "No limit set",
    "incident_per_remedy_max": "Incident per-remedy cap",
    "incident_budget": "Incident budget",
}


def dashboard_metrics(*, now: datetime | None = None, days: int = WINDOW_DAYS) -> DashboardMetrics:
    """Everything /dashboard/ shows, over the last ``days`` days (seven queries).

    Autonomy rate: resolutions applied without an escalation / all resolutions requested.
    Time to decision: escalation created → decided. SLA breaches: escalations that went
    past the last level (``overdue``) plus pending ones past their current due time.
    Spend: applied this calendar month per remedy type, against the sum of the monthly
    caps of every active user's effective limit.
    """
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    # The window is whole calendar days (TIME_ZONE): today and the days - 1 before it.
    first_day = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first_day, datetime.min.time()), tz)

    by_day = {
        row["day"]: row
        for row in Resolution.objects.filter(created_at__gte=since, created_at__lte=now)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(
            total=Count("id"),
            autonomous=Count(
                "id", filter=Q(status=Resolution.Status.APPLIED, escalation__isnull=True)
            ),
            escalated=Count("escalation"),
            rejected=Count("id", filter=Q(status=Resolution.Status.REJECTED)),
        )
    }
    day_rows = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        row = by_day.get(day, {})
        day_rows.append(
            DayRow(
                day=day,
                total=row.get("total", 0),
                autonomous=row.get("autonomous", 0),
                escalated=row.get("escalated", 0),
                rejected=row.get("rejected", 0),
            )
        )

    # Aliases differ from field names: Django refuses an aggregate named like a field.
    escalation_counts = Escalation.objects.filter(created_at__gte=since).aggregate(
        n_total=Count("id"),
        n_decided=Count("id", filter=Q(decided_at__isnull=False)),
        n_overdue=Count("id", filter=Q(overdue=True)),
        n_late_pending=Count(
            "id", filter=Q(status=Escalation.Status.PENDING, due_at__lt=now, overdue=False)
        ),
        n_pending=Count("id", filter=Q(status=Escalation.Status.PENDING)),
    )
    durations = list(
        Escalation.objects.filter(created_at__gte=since, decided_at__isnull=False)
        .annotate(
            took=ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
        )
        .values_list("took", flat=True)
    )
    median = (
        statistics.median(d.total_seconds() for d in durations if d is not None)
        if durations
        else None
    )

    month_start = today.replace(day=1)
    month_start_at = timezone.make_aware(datetime.combine(month_start, datetime.min.time()), tz)
    applied = {
        row["remedy_type_id"]: row
        for row in Resolution.objects.filter(
            status=Resolution.Status.APPLIED, applied_at__gte=month_start_at
        )
        .values("remedy_type_id")
        .annotate(
            own=Sum("amount", filter=Q(counts_against_budget=True)),
            approved=Sum("amount", filter=Q(counts_against_budget=False)),
        )
    }
    remedies = list(RemedyType.objects.filter(enabled=True, monetary=True))
    spend = {
        remedy.pk: SpendRow(
            remedy_type=remedy,
            own=(applied.get(remedy.pk, {}).get("own") or ZERO),
            approved=(applied.get(remedy.pk, {}).get("approved") or ZERO),
        )
        for remedy in remedies
    }
    # Effective limit per (user, remedy): the user's own row, else their tier's.
    tier_rows: dict[tuple[int, int], TrustLimit] = {}
    agent_rows: dict[tuple[int, int], TrustLimit] = {}
    for limit in TrustLimit.objects.all():
        if limit.agent_id is not None:
            agent_rows[(limit.agent_id, limit.remedy_type_id)] = limit
        elif limit.tier_id is not None:
            tier_rows[(limit.tier_id, limit.remedy_type_id)] = limit
    users = User.objects.filter(is_active=True, role__in=Role.values).values_list("id", "tier_id")
    for user_id, tier_id in users:
        for remedy_id, spend_row in spend.items():
            effective = agent_rows.get((user_id, remedy_id))
            if effective is None and tier_id is not None:
                effective = tier_rows.get((tier_id, remedy_id))
            if effective is None:
                continue  # no limit: everything this user asks for escalates
            if effective.monthly_max is None:
                spend_row.uncapped_users += 1
            else:
                spend_row.monthly_caps += effective.monthly_max

    failing: Counter[str] = Counter()
    decisions = (
        Resolution.objects.filter(created_at__gte=since, created_at__lte=now)
        .exclude(decision__outcome="apply")
        .values_list("decision", flat=True)
    )
    for decision in decisions.iterator(chunk_size=2000):
        if not isinstance(decision, dict):
            continue
        for check in decision.get("checks", []):
            if isinstance(check, dict) and not check.get("passed", True):
                if check.get("name") == "policy_rules":
                    continue  # the rules themselves are counted by name below
                failing[CHECK_LABELS.get(check.get("name", ""), str(check.get("name")))] += 1
        for rule in decision.get("rules", []):
            if isinstance(rule, dict):
                failing[f"Rule: {rule.get('name', '?')}"] += 1

    return DashboardMetrics(
        since=since,
        until=now,
        days=day_rows,
        resolutions=sum(d.total for d in day_rows),
        autonomous=sum(d.autonomous for d in day_rows),
        escalations=escalation_counts["n_total"],
        decided=escalation_counts["n_decided"],
        median_decision_seconds=median,
        overdue=escalation_counts["n_overdue"],
        late_pending=escalation_counts["n_late_pending"],
        pending=escalation_counts["n_pending"],
        spend=list(spend.values()),
        month_start=month_start,
        failing=failing.most_common(8),
    )


@dataclass(frozen=True)
class ReviewFindings:
    """What review sampling found over the window (reviews drawn from resolutions
    created in it). ``misuse_share`` = spend of done reviews with a ``coach`` or
    ``policy_gap`` verdict / spend of all done reviews (the autonomous spend reviewed)."""

    autonomous_spend: Decimal  # applied on the agents' own authority, monetary
    sampled: int
    sampled_spend: Decimal
    pending: int
    done: int
    reviewed_spend: Decimal
    misuse: int
    misuse_spend: Decimal

    @property
    def misuse_share(self) -> float | None:
        return float(self.misuse_spend / self.reviewed_spend) if self.reviewed_spend else None

    @property
    def sampled_share(self) -> float | None:
        if not self.autonomous_spend:
            return None
        return float(self.sampled_spend / self.autonomous_spend)


def review_findings(*, now: datetime | None = None, days: int = WINDOW_DAYS) -> ReviewFindings:
    """The dashboard's "misuse found" figures over the last ``days`` days (two queries)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    first_day = timezone.localdate(now) - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first_day, datetime.min.time()), tz)
    done = Q(status=Review.Status.DONE)
    misuse = done & Q(verdict__in=[Review.Verdict.COACH, Review.Verdict.POLICY_GAP])
    amount = F("resolution__amount")
    row = Review.objects.filter(
        resolution__created_at__gte=since, resolution__created_at__lte=now
    ).aggregate(
        sampled=Count("id"),
        sampled_spend=Sum(amount),
        pending=Count("id", filter=Q(status=Review.Status.PENDING)),
        done=Count("id", filter=done),
        reviewed_spend=Sum(amount, filter=done),
        misuse=Count("id", filter=misuse),
        misuse_spend=Sum(amount, filter=misuse),
    )
    autonomous = Resolution.objects.filter(
        created_at__gte=since,
        created_at__lte=now,
        status=Resolution.Status.APPLIED,
        counts_against_budget=True,
        remedy_type__monetary=True,
    ).aggregate(total=Sum("amount"))["total"]
    return ReviewFindings(
        autonomous_spend=autonomous or ZERO,
        sampled=row["sampled"],
        sampled_spend=row["sampled_spend"] or ZERO,
        pending=row["pending"],
        done=row["done"],
        reviewed_spend=row["reviewed_spend"] or ZERO,
        misuse=row["misuse"],
        misuse_spend=row["misuse_spend"] or ZERO,
    )


@dataclass
class FollowThroughRow:
    team: str  # the assignee's team ("No team" for those without one)
    due: int  # follow-ups that fell due in the window
    on_time: int  # ...of which done by their due time

    @property
    def rate(self) -> float | None:
        return None if not self.due else self.on_time / self.due


NO_TEAM = "No team"


def follow_through_list(
    *, now: datetime | None = None, days: int = WINDOW_DAYS
) -> list[FollowThroughRow]:
    """Follow-through rate per team (one query): of the follow-ups due in the window
    (the last ``days`` calendar days up to ``now``), the share done by their due time.
    A follow-up belongs to its assignee's team; one still open, or done late, counts as
    due but not on time. Teams with nothing due are left out."""
    now = now or timezone.now()
    first_day = timezone.localdate(now) - timedelta(days=days - 1)
    since = timezone.make_aware(
        datetime.combine(first_day, datetime.min.time()), timezone.get_current_timezone()
    )
    rows = (
        FollowUp.objects.filter(due_at__gte=since, due_at__lte=now)
        .values("assigned_to__team__name")
        .annotate(
            n_due=Count("id"),
            n_on_time=Count("id", filter=Q(status=FollowUp.Status.DONE, done_at__lte=F("due_at"))),
        )
    )
    result = [
        FollowThroughRow(
            team=row["assigned_to__team__name"] or NO_TEAM,
            due=row["n_due"],
            on_time=row["n_on_time"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: (r.team == NO_TEAM, r.team))
