"""Reads of incidents: the API list and detail, the incident page (its cases, spend over
time and the spread of remedies granted), the case page's banner, and the terms the
decision reads (``incident_terms_get``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import Case, RemedyType, Resolution
from common.errors import NotFound
from common.money import ZERO
from discretion.engine.incidents import IncidentTerms
from discretion.incidents.models import Incident, IncidentCase, IncidentRemedy

BIGINT_MAX = 2**63 - 1
# A grant this many times the median of its remedy type, or below the median divided by
# it, is flagged as an outlier: that customer was treated unlike the others.
OUTLIER_FACTOR = Decimal(2)


def _schedule() -> Prefetch:
    return Prefetch("remedies", queryset=IncidentRemedy.objects.select_related("remedy_type"))


_SCHEDULE = _schedule()


def incident_list(*, status: str | None = None) -> QuerySet[Incident]:
    """Incidents newest first, with the schedule (and its remedy types) prefetched and the
    linked cases counted (two queries a page)."""
    qs = (
        Incident.objects.select_related("created_by", "ended_by")
        .prefetch_related(_SCHEDULE)
        .annotate(cases_count=Count("case_links", distinct=True))
        .order_by("-starts_at", "-id")
    )
    if status == Incident.Status.ACTIVE:
        qs = qs.filter(status=Incident.Status.ACTIVE, ends_at__gt=timezone.now())
    elif status == Incident.Status.ENDED:
        qs = qs.exclude(status=Incident.Status.ACTIVE, ends_at__gt=timezone.now())
    return qs


def incident_active_choices() -> list[tuple[int, str]]:
    """(id, title) of the active incidents, newest first: the case list's bulk link (one
    query)."""
    now = timezone.now()
    return list(
        Incident.objects.filter(status=Incident.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .order_by("-starts_at", "-id")
        .values_list("id", "title")[:50]
    )


def incident_get(*, incident_id: int) -> Incident:
    """Raises NotFound."""
    found = incident_list().filter(pk=incident_id).first() if incident_id <= BIGINT_MAX else None
    if found is None:
        raise NotFound(f"No incident #{incident_id}.")
    return found


def incident_active_for_case(*, case: Case, now: datetime | None = None) -> Incident | None:
    """The active incident the case is in (the case page's banner), with its schedule;
    None without a query when the case is in none."""
    if not case.active_incident_id:
        return None
    incident = (
        Incident.objects.prefetch_related(_SCHEDULE).filter(pk=case.active_incident_id).first()
    )
    if incident is None or not incident.active_at(now):
        return None
    return incident


def incident_standard_remedy(
    *, incident: Incident | None, remedies: list[RemedyType]
) -> IncidentRemedy | None:
    """The schedule row the case page fills in: the first whose remedy type is enabled
    (``remedies``); no query (the schedule is prefetched)."""
    if incident is None:
        return None
    enabled = {remedy.pk: remedy for remedy in remedies}
    for row in incident.remedies.all():
        if row.remedy_type_id in enabled:
            row.remedy_type = enabled[row.remedy_type_id]
            return row
    return None


def incident_case_list(*, incident_id: int, limit: int = 200) -> list[IncidentCase]:
    """The incident's linked cases, newest link first, with case and customer (one query)."""
    return list(
        IncidentCase.objects.filter(incident_id=incident_id)
        .select_related("case__customer", "case__assignee")
        .order_by("-linked_at", "-id")[:limit]
    )


def incident_matchers_active(*, now: datetime) -> list[tuple[int, str]]:
    """(id, matcher) of the active incidents with a matcher, oldest first (one query)."""
    return list(
        Incident.objects.filter(status=Incident.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .exclude(matcher="")
        .order_by("starts_at", "id")
        .values_list("id", "matcher")
    )


def incident_due_ids(*, now: datetime) -> list[int]:
    """Active incidents past their end (what the end sweeper flips)."""
    return list(
        Incident.objects.filter(status=Incident.Status.ACTIVE, ends_at__lte=now).values_list(
            "pk", flat=True
        )
    )


_TERMS_SQL = (
    f"SELECT i.id, i.title, i.status, i.starts_at, i.ends_at, i.budget, i.spent, "
    f"s.per_remedy_max FROM {Incident._meta.db_table} i "
    f"LEFT JOIN {IncidentRemedy._meta.db_table} s "
    "ON s.incident_id = i.id AND s.remedy_type_id = %(remedy_type_id)s "
    "WHERE i.id = %(incident_id)s"
)


def incident_terms_get(
    *, case: Case, remedy_type: RemedyType, now: datetime, lock: bool = False
) -> IncidentTerms | None:
    """The incident terms a decision on ``case`` reads: None (no query) when the case is
    in no incident, else one statement. With ``lock`` (the request, not the preview) the
    incident row is locked (FOR NO KEY UPDATE), after the case and budget-window locks
    (docs/concurrency.md), so concurrent requests under one incident read its ``spent``
    one after the other and the conditional UPDATE never finds it moved."""
    if not case.active_incident_id:
        return None
    # Plain SQL: the incident and the schedule row of this remedy type in one round trip.
    sql = _TERMS_SQL + (" FOR NO KEY UPDATE OF i" if lock else "")
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"incident_id": case.active_incident_id, "remedy_type_id": remedy_type.pk}
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pk, title, status, starts_at, ends_at, budget, spent, per_remedy_max = row
    return IncidentTerms(
        id=pk,
        title=title,
        active=status == Incident.Status.ACTIVE and starts_at <= now < ends_at,
        budget=Decimal(budget),
        spent=Decimal(spent),
        per_remedy_max=Decimal(per_remedy_max) if per_remedy_max is not None else None,
    )


@dataclass(frozen=True)
class SpendDay:
    day: date
    amount: Decimal
    count: int


def incident_spend_by_day(*, incident: Incident) -> list[SpendDay]:
    """What the incident budget paid, per day (one query). Read through the incident's
    case links (an index), not by scanning every resolution's decision."""
    rows = (
        Resolution.objects.filter(
            case__incident_links__incident=incident,
            decision__incident=incident.pk,
            status=Resolution.Status.APPLIED,
        )
        .annotate(day=TruncDate("applied_at"))
        .values("day")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("day")
    )
    return [SpendDay(row["day"], row["total"] or ZERO, row["n"]) for row in rows]


@dataclass(frozen=True)
class Spread:
    """The remedies of one type granted on the incident's cases: are customers with the
    same problem treated alike?"""

    remedy_type: str
    count: int
    minimum: Decimal
    median: Decimal
    maximum: Decimal
    # {case, amount, side: "above"|"below"}: above OUTLIER_FACTOR times the median, or
    # below the median divided by it; the OUTLIERS_SHOWN farthest from it.
    outliers: tuple[dict[str, Any], ...]
    outliers_total: int = 0

    @property
    def outliers_more(self) -> int:
        """Outliers beyond the ones listed."""
        return max(self.outliers_total - len(self.outliers), 0)


# The incident page lists at most this many outliers per remedy type (the farthest from
# the median first) and counts the rest.
OUTLIERS_SHOWN = 20

# The applied monetary remedies on the incident's cases since it started; per remedy type
# their count, min, median and max (computed by PostgreSQL, not in Python); then the
# outliers, farthest from the median first, OUTLIERS_SHOWN per type, with their total.
_SPREAD_SQL = """
WITH granted AS (
    SELECT r.case_id, r.amount, r.remedy_type_id
    FROM {resolution} r
    JOIN {link} l ON l.case_id = r.case_id
    JOIN {remedy} t ON t.id = r.remedy_type_id
    WHERE l.incident_id = %(incident)s AND r.status = %(applied)s
      AND r.applied_at >= %(since)s AND t.monetary
), stats AS (
    SELECT remedy_type_id, count(*) AS n, min(amount) AS lo, max(amount) AS hi,
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY amount)::numeric, 2) AS median
    FROM granted GROUP BY remedy_type_id
), flagged AS (
    SELECT g.remedy_type_id, g.case_id, g.amount,
           CASE WHEN g.amount > %(factor)s * s.median THEN 'above' ELSE 'below' END AS side,
           row_number() OVER (PARTITION BY g.remedy_type_id
                              ORDER BY abs(g.amount - s.median) DESC, g.case_id) AS rank,
           count(*) OVER (PARTITION BY g.remedy_type_id) AS total
    FROM granted g JOIN stats s USING (remedy_type_id)
    WHERE s.median > 0
      AND (g.amount > %(factor)s * s.median OR g.amount * %(factor)s < s.median)
)
SELECT t.name, s.n, s.lo, s.median, s.hi, f.case_id, f.amount, f.side, f.total
FROM stats s
JOIN {remedy} t ON t.id = s.remedy_type_id
LEFT JOIN flagged f ON f.remedy_type_id = s.remedy_type_id AND f.rank <= %(shown)s
ORDER BY t.sort_order, t.id, f.rank
"""


def incident_spread(*, incident: Incident) -> list[Spread]:
    """Min / median / max per remedy type, with the outliers (one query, however many
    remedies the incident granted)."""
    sql = _SPREAD_SQL.format(
        resolution=Resolution._meta.db_table,
        link=IncidentCase._meta.db_table,
        remedy=RemedyType._meta.db_table,
    )
    params: dict[str, int | str | Decimal | datetime] = {
        "incident": incident.pk,
        "applied": str(Resolution.Status.APPLIED),
        "since": incident.starts_at,
        "factor": OUTLIER_FACTOR,
        "shown": OUTLIERS_SHOWN,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    spreads: dict[str, Spread] = {}
    outliers: dict[str, list[dict[str, Any]]] = {}
    for name, count, low, median, high, case_id, amount, side, total in rows:
        if name not in spreads:
            spreads[name] = Spread(name, count, low, median, high, (), total or 0)
            outliers[name] = []
        if case_id is not None:
            outliers[name].append({"case": case_id, "amount": amount, "side": side})
    return [
        Spread(
            s.remedy_type,
            s.count,
            s.minimum,
            s.median,
            s.maximum,
            tuple(outliers[name]),
            s.outliers_total,
        )
        for name, s in spreads.items()
    ]
