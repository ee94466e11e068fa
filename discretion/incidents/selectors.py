"""Reads of incidents: the API list and detail, the incident page (its cases, spend over
time and the spread of remedies granted), the case page's banner, and the terms the
decision reads (``incident_terms_get``)."""

from __future__ import annotations

import statistics
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
    incident row is locked FOR UPDATE, after the case and budget-window locks
    (docs/concurrency.md), so concurrent requests under one incident read its ``spent``
    one after the other and the conditional UPDATE never finds it moved."""
    if not case.active_incident_id:
        return None
    # Plain SQL: the incident and the schedule row of this remedy type in one round trip.
    sql = _TERMS_SQL + (" FOR UPDATE OF i" if lock else "")
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


def _granted(incident: Incident) -> QuerySet[Resolution]:
    """Applied remedies on the incident's cases since it started."""
    return Resolution.objects.filter(
        case__incident_links__incident=incident,
        status=Resolution.Status.APPLIED,
        applied_at__gte=incident.starts_at,
    )


def incident_spend_by_day(*, incident: Incident) -> list[SpendDay]:
    """What the incident budget paid, per day (one query)."""
    rows = (
        Resolution.objects.filter(decision__incident=incident.pk, status=Resolution.Status.APPLIED)
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
    # below the median divided by it.
    outliers: tuple[dict[str, Any], ...]


def _outlier_side(amount: Decimal, median: Decimal) -> str:
    if amount > OUTLIER_FACTOR * median:
        return "above"
    if amount * OUTLIER_FACTOR < median:
        return "below"
    return ""


def incident_spread(*, incident: Incident) -> list[Spread]:
    """Min / median / max per remedy type, with the outliers (one query)."""
    by_type: dict[str, list[tuple[Decimal, int]]] = {}
    for name, amount, case_id in (
        _granted(incident)
        .filter(remedy_type__monetary=True)
        .order_by("remedy_type__sort_order", "amount")
        .values_list("remedy_type__name", "amount", "case_id")
    ):
        by_type.setdefault(name, []).append((amount, case_id))
    spreads = []
    for name, rows in by_type.items():
        amounts = [amount for amount, _ in rows]
        median = Decimal(statistics.median(amounts)).quantize(Decimal("0.01"))
        outliers = tuple(
            {"case": case_id, "amount": amount, "side": side}
            for amount, case_id in rows
            if median > 0 and (side := _outlier_side(amount, median))
        )
        spreads.append(Spread(name, len(rows), amounts[0], median, amounts[-1], outliers))
    return spreads
