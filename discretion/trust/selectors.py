"""Reads of users, trust tiers, limits and budgets (each with the queries it needs, no
N+1), and the discretion meter: what a user may still grant, for /me/ and the case page.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from cases.models import RemedyType, Resolution
from cases.selectors import remedy_type_list
from common.money import ZERO, money, money_display
from common.roles import supervising_q
from discretion import engine
from discretion.engine.incidents import IncidentTerms
from discretion.models import BudgetWindow, TrustLimit, TrustTier, User
from discretion.proposals.selectors import limit_note
from discretion.raises.wording import until_phrase
from discretion.trust.effective import EffectiveLimit, effective_limit_get, effective_limits_for


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


@dataclass(frozen=True)
class Allowance:
    """One user's effective limit for one remedy type and what today and this month used.

    With no limit at all, ``per_remedy_max`` is 0.00: any amount above zero escalates.
    """

    remedy_type: RemedyType
    limit: EffectiveLimit | None
    daily_used: Decimal = ZERO
    monthly_used: Decimal = ZERO

    @property
    def limit_source(self) -> Literal["agent", "tier", "temporary"] | None:
        return self.limit.source if self.limit else None

    @property
    def expires_at(self) -> datetime | None:
        """When the temporary raise in force ends (None without one)."""
        return self.limit.expires_at if self.limit else None

    @property
    def limit_note(self) -> str | None:
        """'Raised on 3 Dec from your record: …' when an accepted proposal set the agent's
        per-remedy cap (read in the same statement as the limit)."""
        if self.limit is None or self.limit.base.agent_id is None:
            return None
        return limit_note(decided_at=self.limit.raised_at, evidence=self.limit.raised_evidence)

    @property
    def per_remedy_max(self) -> Decimal:
        return self.limit.per_remedy_max if self.limit else ZERO

    @property
    def per_case_max(self) -> Decimal | None:
        return self.limit.per_case_max if self.limit else None

    @property
    def daily_max(self) -> Decimal | None:
        return self.limit.daily_max if self.limit else None

    @property
    def monthly_max(self) -> Decimal | None:
        return self.limit.monthly_max if self.limit else None

    @property
    def approval_max(self) -> Decimal | None:
        return self.limit.approval_max if self.limit else None

    @property
    def daily_remaining(self) -> Decimal | None:
        return _remaining(self.daily_max, self.daily_used)

    @property
    def monthly_remaining(self) -> Decimal | None:
        return _remaining(self.monthly_max, self.monthly_used)


def allowance_list(*, user: User) -> list[Allowance]:
    """One allowance per enabled remedy type. Three queries: remedy types, limits, windows."""
    limits = effective_limits_for(user)
    used = budget_used(user=user)
    return [
        Allowance(remedy, limits.get(remedy.pk), *used.get(remedy.pk, (ZERO, ZERO)))
        for remedy in remedy_type_list(enabled=True)
    ]


def allowance_get(*, user: User, remedy_type: RemedyType) -> Allowance | None:
    """The allowance for one remedy type (None when it is disabled). Two queries."""
    if not remedy_type.enabled:
        return None
    limit = effective_limit_get(user=user, remedy_type=remedy_type)
    daily_used, monthly_used = budget_used(user=user).get(remedy_type.pk, (ZERO, ZERO))
    return Allowance(remedy_type, limit, daily_used, monthly_used)


def me_discretion(user: User) -> list[dict[str, Any]]:
    """The ``discretion`` rows of /me/: one per enabled remedy type (three queries)."""
    return [
        {
            "remedy_type": a.remedy_type.code,
            "remedy_name": a.remedy_type.name,
            "monetary": a.remedy_type.monetary,
            "limit_source": a.limit_source,
            "expires_at": a.expires_at,
            "limit_note": a.limit_note,
            "per_remedy_max": money(a.per_remedy_max),
            "per_case_max": money(a.per_case_max),
            "daily_max": money(a.daily_max),
            "monthly_max": money(a.monthly_max),
            "approval_max": money(a.approval_max),
            "daily_used": money(a.daily_used),
            "daily_remaining": money(a.daily_remaining),
            "monthly_used": money(a.monthly_used),
            "monthly_remaining": money(a.monthly_remaining),
        }
        for a in allowance_list(user=user)
    ]


# --- the discretion meter (the case page) -----------------------------------------------

# What each limit check is called on the meter and in the preview's list of failed checks.
METER_LABELS = {
    "per_remedy_max": "Per remedy",
    "per_case_max": "This case",
    "daily_max": "Today",
    "monthly_max": "This month",
    "policy_rules": "Policy rules",
    # A case in an incident (discretion.engine.incidents): its schedule and budget.
    "incident_per_remedy_max": "Incident, per remedy",
    "incident_budget": "Incident budget",
}


@dataclass(frozen=True)
class MeterBar:
    """One bar: what is left of ``cap`` after ``used``, and the share this request takes.

    ``capped`` False means no cap (the other fields keep their defaults). Percentages are
    of the cap, rounded to one decimal, for the bar's widths.
    """

    label: str
    capped: bool = False
    cap: Decimal | None = None
    used: Decimal = ZERO
    left: Decimal = ZERO
    left_after: Decimal = ZERO
    requested: Decimal = ZERO
    fits: bool = True
    over_by: Decimal = ZERO
    left_pct: float = 0.0
    request_pct: float = 0.0
    level: Literal["ok", "warn", "bad"] = "ok"


@dataclass(frozen=True)
class Meter:
    """What a user may still grant on one case for one remedy type, check by check."""

    remedy: RemedyType
    bars: tuple[MeterBar, ...]
    monetary: bool
    no_limit: bool
    approval_max: Decimal | None
    # When a temporary raise is in force: when it ends, and the meter's line about it
    # ("Temporary: 200.00 until Fri 4 Dec, 17:00").
    temporary_until: datetime | None = None
    temporary_note: str = ""
    # Why the limit rose, when an accepted proposal raised it.
    limit_note: str | None = None
    # The incident whose schedule and budget the bars show (None: the user's own limits).
    incident_id: int | None = None
    incident_note: str = ""


def _bar(label: str, cap: Decimal | None, used: Decimal, requested: Decimal) -> MeterBar:
    if cap is None:
        return MeterBar(label=label)
    left = max(cap - used, ZERO)
    used_pct = float(min(used / cap, Decimal(1))) * 100 if cap else 100.0
    request_pct = float(min(requested, left) / cap) * 100 if cap else 0.0
    left_pct = 100.0 - used_pct
    return MeterBar(
        label=label,
        capped=True,
        cap=cap,
        used=used,
        left=left,
        left_after=max(left - requested, ZERO),
        requested=requested,
        fits=requested <= left,
        over_by=max(requested - left, ZERO),
        left_pct=round(max(left_pct - request_pct, 0), 1),
        request_pct=round(request_pct, 1),
        level="bad" if left_pct < 10 else ("warn" if left_pct < 35 else "ok"),
    )


def case_applied_total(*, case_id: int, remedy_type: RemedyType) -> Decimal:
    """What is applied of ``remedy_type`` on the case so far (one aggregate query)."""
    total = Resolution.objects.filter(
        case_id=case_id, remedy_type=remedy_type, status=Resolution.Status.APPLIED
    ).aggregate(total=Sum("amount"))["total"]
    return total if total is not None else ZERO


def meter_get(
    *,
    user: User,
    case_id: int,
    remedy_type: RemedyType | None,
    requested: Decimal = ZERO,
    incident: IncidentTerms | None = None,
) -> Meter | None:
    """The meter for ``remedy_type`` on a case, with ``requested`` drawn on every bar.

    None without a remedy type or for a disabled one. Three queries: the effective limit,
    the budget windows, the case's applied total (/me/'s figures, ``Allowance``). With the
    ``incident`` terms of the case (``incident_terms_get``) covering the remedy type, the
    bars are what the decision reads then: the schedule's cap and the budget left."""
    if (
        remedy_type
        and remedy_type.enabled
        and incident
        and incident.covers(monetary=remedy_type.monetary)
    ):
        return _incident_meter(user, remedy_type, requested, incident)
    allowance = allowance_get(user=user, remedy_type=remedy_type) if remedy_type else None
    if remedy_type is None or allowance is None:
        return None
    case_used = case_applied_total(case_id=case_id, remedy_type=remedy_type)
    bars = (  # a single remedy's cap: nothing is "used" of it, only this request counts
        _bar(METER_LABELS["per_remedy_max"], allowance.per_remedy_max, ZERO, requested),
        _bar(METER_LABELS["per_case_max"], allowance.per_case_max, case_used, requested),
        _bar(METER_LABELS["daily_max"], allowance.daily_max, allowance.daily_used, requested),
        _bar(METER_LABELS["monthly_max"], allowance.monthly_max, allowance.monthly_used, requested),
    )
    outside = bool(incident and incident.active and remedy_type.monetary)
    named = incident.label if incident else ""
    note = f"{remedy_type.name} is not in the schedule of {named}: your own limits apply."
    return Meter(
        remedy=remedy_type,
        bars=bars,
        monetary=remedy_type.monetary,
        no_limit=allowance.limit is None,
        approval_max=allowance.approval_max,
        temporary_until=allowance.expires_at,
        temporary_note=_temporary_note(allowance.limit),
        limit_note=allowance.limit_note,
        incident_note=note if outside else "",
    )


def _incident_meter(
    user: User, remedy_type: RemedyType, requested: Decimal, incident: IncidentTerms
) -> Meter:
    limit = effective_limit_get(user=user, remedy_type=remedy_type)
    bars = (
        _bar(METER_LABELS["incident_per_remedy_max"], incident.per_remedy_max, ZERO, requested),
        _bar(METER_LABELS["incident_budget"], incident.budget, incident.spent, requested),
    )
    return Meter(
        remedy=remedy_type,
        bars=bars,
        monetary=True,
        no_limit=False,
        approval_max=limit.approval_max if limit else None,
        incident_id=incident.id,
        incident_note=f"Under {incident.label}: its schedule and budget apply to this "
        f"{remedy_type.name.lower()}, not your own limits.",
    )


# How the meter names each raised cap (pairs, not a dict: a constant, not a cache).
_RAISED_WORDS = (("per_remedy_max", ""), ("daily_max", " a day"), ("monthly_max", " a month"))


def _temporary_note(limit: EffectiveLimit | None) -> str:
    if limit is None or limit.expires_at is None:
        return ""
    caps = ", ".join(
        f"{money_display(getattr(limit, name))}{words}"
        for name, words in _RAISED_WORDS
        if name in limit.raised
    )
    return f"Temporary: {caps} until {until_phrase(limit.expires_at)}"


@dataclass(frozen=True)
class CheckShortfall:
    """A limit check a request failed: the cap, what was used, what is left, the ask."""

    label: str
    limit: Decimal
    used: Decimal
    left: Decimal
    requested: Decimal


def check_shortfall_list(*, checks: Iterable[engine.Check]) -> list[CheckShortfall]:
    """The failed limit checks of a decision (policy rules are listed on their own)."""
    rows = []
    for check in checks:
        if check.passed or check.name == "policy_rules":
            continue
        limit = check.limit if check.limit is not None else ZERO
        rows.append(
            CheckShortfall(
                label=METER_LABELS.get(check.name, check.name),
                limit=limit,
                used=check.used,
                left=max(limit - check.used, ZERO),
                requested=check.requested,
            )
        )
    return rows


# --- users, tiers and limits (the admin screens and the API) ----------------------------


def user_list(
    *,
    active: bool | None = None,
    supervising: bool = False,
    order: Literal["username", "role"] = "username",
) -> QuerySet[User]:
    """Users with their team and tier joined (one query), by username or by role.

    ``supervising``: only those who may supervise (``common.roles``).
    """
    qs = User.objects.select_related("team", "tier")
    if active is not None:
        qs = qs.filter(is_active=active)
    if supervising:
        qs = qs.filter(supervising_q())
    return qs.order_by("role", "username") if order == "role" else qs.order_by("username")


def user_get(*, user_id: int) -> User:
    """One user with team and tier joined. Raises User.DoesNotExist."""
    return user_list().get(pk=user_id)


def trust_tier_list() -> QuerySet[TrustTier]:
    """Tiers in matrix order: rank, then code."""
    return TrustTier.objects.order_by("rank", "code")


def trust_tier_get(*, code: str) -> TrustTier:
    """Raises TrustTier.DoesNotExist."""
    return TrustTier.objects.get(code=code)


def trust_limit_list() -> QuerySet[TrustLimit]:
    """Every limit (tier rows and agent overrides) with its scope and remedy joined."""
    return TrustLimit.objects.select_related("tier", "agent", "remedy_type").order_by("id")


def tier_limit_get(*, tier: TrustTier, remedy_type: RemedyType) -> TrustLimit | None:
    """The tier's limit for a remedy type, if it has one (one query)."""
    return trust_limit_list().filter(tier=tier, remedy_type=remedy_type).first()


def override_get(*, limit_id: int) -> TrustLimit:
    """A per-agent limit (override). Raises TrustLimit.DoesNotExist, also for a tier row."""
    return trust_limit_list().get(pk=limit_id, agent__isnull=False)


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
