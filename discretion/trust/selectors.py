"""Reads of trust limits and budgets (each with the queries it needs, no N+1)."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from cases.models import RemedyType
from common.db import select
from common.money import ZERO, money
from discretion.models import BudgetWindow, TrustLimit, User

_EFFECTIVE_LIMIT_SQL = (
    f"SELECT {{columns}} FROM {TrustLimit._meta.db_table} l "
    "WHERE l.remedy_type_id = %(remedy_type_id)s "
    "AND (l.agent_id = %(user_id)s OR l.tier_id = %(tier_id)s)"
)


def effective_limit_get(*, user: User, remedy_type: RemedyType | int) -> TrustLimit | None:
    """The user's own row for the remedy type, else their tier's, else None (one query).

    Plain SQL (``common.db``, which still converts column types): it runs on every
    decision and approval, and the ORM's filter building cost four times the query.
    """
    remedy_type_id = remedy_type if isinstance(remedy_type, int) else remedy_type.pk
    params = {"remedy_type_id": remedy_type_id, "user_id": user.pk, "tier_id": user.tier_id}
    return _pick(select(TrustLimit, "l", _EFFECTIVE_LIMIT_SQL, params))


def effective_limits_for(user: User) -> dict[int, TrustLimit]:
    """Effective limit per remedy type id, for every remedy type the user has one for."""
    scope = Q(agent_id=user.pk)
    if user.tier_id:
        scope |= Q(tier_id=user.tier_id)
    by_remedy: dict[int, list[TrustLimit]] = {}
    for row in TrustLimit.objects.filter(scope):
        by_remedy.setdefault(row.remedy_type_id, []).append(row)
    return {remedy_id: limit for remedy_id, rows in by_remedy.items() if (limit := _pick(rows))}


def _pick(rows: list[TrustLimit]) -> TrustLimit | None:
    own = [r for r in rows if r.agent_id is not None]
    if own:
        return own[0]
    return rows[0] if rows else None


def budget_used(*, user: User, day: date | None = None) -> dict[int, tuple[Decimal, Decimal]]:
    """(daily_used, monthly_used) per remedy type id for the calendar day and its month."""
    day = day or timezone.localdate()
    month = day.replace(day=1)
    used: dict[int, list[Decimal]] = {}
    windows = BudgetWindow.objects.filter(user=user).filter(
        Q(period=BudgetWindow.Period.DAY, starts_on=day)
        | Q(period=BudgetWindow.Period.MONTH, starts_on=month)
    )
    for window in windows.values("remedy_type_id", "period", "used"):
        slot = used.setdefault(window["remedy_type_id"], [ZERO, ZERO])
        slot[0 if window["period"] == BudgetWindow.Period.DAY else 1] = window["used"]
    return {remedy_id: (pair[0], pair[1]) for remedy_id, pair in used.items()}


def _remaining(cap: Decimal | None, used: Decimal) -> Decimal | None:
    return None if cap is None else max(cap - used, ZERO)


def me_discretion(user: User) -> list[dict[str, Any]]:
    """One row per enabled remedy type: the effective limit and live budget figures.

    Three queries whatever the number of remedy types: remedy types, limits, windows.
    With no limit at all, ``per_remedy_max`` is 0.00: any amount above zero escalates.
    """
    limits = effective_limits_for(user)
    used = budget_used(user=user)
    rows = []
    for remedy in RemedyType.objects.filter(enabled=True):
        limit = limits.get(remedy.pk)
        daily_used, monthly_used = used.get(remedy.pk, (ZERO, ZERO))
        per_remedy = limit.per_remedy_max if limit else ZERO
        daily_max = limit.daily_max if limit else None
        monthly_max = limit.monthly_max if limit else None
        rows.append(
            {
                "remedy_type": remedy.code,
                "remedy_name": remedy.name,
                "monetary": remedy.monetary,
                "limit_source": (("agent" if limit.agent_id else "tier") if limit else None),
                "per_remedy_max": money(per_remedy),
                "per_case_max": money(limit.per_case_max if limit else None),
                "daily_max": money(daily_max),
                "monthly_max": money(monthly_max),
                "approval_max": money(limit.approval_max if limit else None),
                "daily_used": money(daily_used),
                "daily_remaining": money(_remaining(daily_max, daily_used)),
                "monthly_used": money(monthly_used),
                "monthly_remaining": money(_remaining(monthly_max, monthly_used)),
            }
        )
    return rows


# Remedy types are seven seeded rows that change rarely (an admin enabling or disabling
# one): a per-process copy saves a query on every decision. A change is seen within
# REMEDY_TYPES_TTL seconds in every process.
REMEDY_TYPES_TTL = 5.0
_remedy_types: tuple[float, dict[str, RemedyType]] | None = None


def remedy_type_by_code(code: str) -> RemedyType | None:
    global _remedy_types
    now = time.monotonic()
    if _remedy_types is None or now - _remedy_types[0] > REMEDY_TYPES_TTL:
        _remedy_types = (now, {remedy.code: remedy for remedy in RemedyType.objects.all()})
    return _remedy_types[1].get(code)


def remedy_types_reset() -> None:
    """Forget the per-process copy (tests that change remedy types call this)."""
    global _remedy_types
    _remedy_types = None
