"""What the engine needs for one decision: the effective limit, the budget usage, the
case's and the customer's applied totals, the CEL context and the policy rules that
matched.

Shared by the request (which passes the budget windows it has locked) and the preview
(which reads them unlocked). A fixed, small number of queries: the totals and the
rules' generation come in one plain statement, because every decision runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from cases.models import Case, RemedyType, Resolution
from common.money import ZERO
from common.roles import role_of
from discretion import engine
from discretion.decisions.repeats import NOT_REPEATED, REPEAT_WINDOW, RepeatOf
from discretion.engine.incidents import IncidentTerms
from discretion.incidents.selectors import incident_terms_get
from discretion.models import BudgetWindow, User
from discretion.trust.locks import LockedWindows
from discretion.trust.selectors import effective_limit_get
from policies.evaluation import GENERATION_COLUMNS, GENERATION_TABLE, current_ruleset


@dataclass(frozen=True)
class DecisionInputs:
    limit: engine.Limits | None
    limit_source: str | None
    usage: engine.Usage
    context: dict[str, Any]
    rule_hits: tuple[engine.RuleHit, ...]
    rule_versions: tuple[tuple[int, int], ...]
    # The latest request for this remedy on this case in the repeat window
    # (discretion.decisions.repeats), read in the totals' statement; None when none.
    repeat: RepeatOf | None = None
    # The incident the case is linked to (active or not), None when none: no query then.
    incident: IncidentTerms | None = None


def decision_inputs_gather(
    *,
    case: Case,
    user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    now,
    windows: LockedWindows | None = None,
    repeat_exclude_id: int | None = None,
) -> DecisionInputs:
    """Everything the engine needs, in a fixed, small number of queries, and the repeat
    of this request (``repeat_exclude_id``: a request that is not one, a split's applied
    part)."""
    row = effective_limit_get(user=user, remedy_type=remedy_type)
    limit = (
        engine.Limits(
            per_remedy_max=row.per_remedy_max,
            per_case_max=row.per_case_max,
            daily_max=row.daily_max,
            monthly_max=row.monthly_max,
            approval_max=row.approval_max,
        )
        if row
        else None
    )
    if windows is not None:
        daily_used, monthly_used = windows.day.used, windows.month.used
    else:
        daily_used, monthly_used = _window_usage(user=user, remedy_type=remedy_type, now=now)
    totals = _applied_totals(
        case=case,
        remedy_type=remedy_type,
        since=now - timedelta(days=30),
        repeat_since=now - REPEAT_WINDOW,
        repeat_exclude_id=repeat_exclude_id,
    )
    case_used, history_total, history_count, rules_generation, repeat = totals
    usage = engine.Usage(case_used=case_used, daily_used=daily_used, monthly_used=monthly_used)
    # The request locks the incident row last (after the case and the windows).
    incident = incident_terms_get(
        case=case, remedy_type=remedy_type, now=now, lock=windows is not None
    )

    ruleset = current_ruleset(rules_generation)
    context = decision_context(
        case=case,
        user=user,
        remedy_type=remedy_type,
        amount=amount,
        now=now,
        history_total=history_total,
        history_count=history_count,
        incident=incident,
    )
    hits = tuple(
        engine.RuleHit(
            id=result.id,
            name=result.name,
            version=result.version,
            effect=result.effect,  # type: ignore[arg-type]
            message=result.message,
            error=result.error,
        )
        for result in ruleset.evaluate(context)
        if result.matched
    )
    return DecisionInputs(
        limit=limit,
        limit_source=row.source if row else None,
        usage=usage,
        context=context,
        rule_hits=hits,
        rule_versions=tuple(ruleset.versions),
        repeat=repeat,
        incident=incident,
    )


def _window_usage(*, user: User, remedy_type: RemedyType, now) -> tuple[Decimal, Decimal]:
    day = timezone.localdate(now)
    daily = monthly = ZERO
    for window in BudgetWindow.objects.filter(
        Q(period=BudgetWindow.Period.DAY, starts_on=day)
        | Q(period=BudgetWindow.Period.MONTH, starts_on=day.replace(day=1)),
        user=user,
        remedy_type=remedy_type,
    ).values("period", "used"):
        if window["period"] == BudgetWindow.Period.DAY:
            daily = window["used"]
        else:
            monthly = window["used"]
    return daily, monthly


# The customer's total and count in one aggregate (half the planning of two), the policy
# rules' generation joined in, so current_ruleset() needs no query of its own, and the
# repeat (the latest request for this remedy on this case in the last minutes, on the
# case/remedy index) joined in too: every decision runs this statement.
_TOTALS_SQL = f"""
SELECT
  (SELECT COALESCE(SUM(amount), 0) FROM cases_resolution
    WHERE case_id = %(case_id)s AND remedy_type_id = %(remedy_type_id)s
      AND status = %(applied)s),
  history.total, history.n,
  repeat.id, repeat.agent_id, repeat.requested_amount, repeat.status, repeat.created_at,
  {", ".join(f"rules.{column}" for column in GENERATION_COLUMNS)}
FROM (
  SELECT COALESCE(SUM(r.amount), 0) AS total, COUNT(*) AS n
    FROM cases_resolution r JOIN cases_case c ON c.id = r.case_id
   WHERE c.customer_id = %(customer_id)s AND r.status = %(applied)s AND r.applied_at >= %(since)s
) history
CROSS JOIN {GENERATION_TABLE} rules
LEFT JOIN LATERAL (
  SELECT id, agent_id, requested_amount, status, created_at FROM cases_resolution
   WHERE case_id = %(case_id)s AND remedy_type_id = %(remedy_type_id)s
     AND created_at >= %(repeat_since)s AND NOT (status = ANY(%(not_repeated)s))
     AND (%(exclude_id)s::bigint IS NULL OR id <> %(exclude_id)s::bigint)
   ORDER BY created_at DESC, id DESC
   LIMIT 1
) repeat ON true
"""


def _applied_totals(
    *,
    case: Case,
    remedy_type: RemedyType,
    since,
    repeat_since,
    repeat_exclude_id: int | None = None,
) -> tuple[Decimal, Decimal, int, tuple, RepeatOf | None]:
    """(this remedy's applied total on the case, the customer's applied total and count
    since ``since``, the policy rules' generation, the repeat since ``repeat_since`` or
    None) in one round trip.

    Plain SQL: this runs on every decision, and building these aggregates with the ORM
    cost more CPU than PostgreSQL spends answering them (bench/README.md). Run it after
    the case lock, so the per-case total and the repeat see every committed resolution.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _TOTALS_SQL,
            {
                "case_id": case.pk,
                "remedy_type_id": remedy_type.pk,
                "customer_id": case.customer_id,
                "applied": Resolution.Status.APPLIED.value,
                "since": since,
                "repeat_since": repeat_since,
                "not_repeated": [status.value for status in NOT_REPEATED],
                "exclude_id": repeat_exclude_id,
            },
        )
        case_used, history_total, history_count, *rest = cursor.fetchone()
    repeat_id, agent_id, requested_amount, status, created_at, *rules_generation = rest
    repeat = (
        RepeatOf(
            pk=repeat_id,
            agent_id=agent_id,
            requested_amount=requested_amount,
            status=status,
            created_at=created_at,
        )
        if repeat_id is not None
        else None
    )
    return (
        _decimal(case_used),
        _decimal(history_total),
        int(history_count or 0),
        tuple(rules_generation),
        repeat,
    )


def _decimal(value) -> Decimal:
    # A SUM over no rows is COALESCE's bare 0: give every total the amounts' two places.
    return Decimal(value or 0).quantize(Decimal("0.01"))


def decision_context(
    *,
    case: Case,
    user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    now,
    history_total: Decimal,
    history_count: int,
    incident: IncidentTerms | None = None,
) -> dict[str, Any]:
    """The CEL context (docs/api.md, "Policy rule context"); the customer's 30-day history
    comes from the caller."""
    tier_code = user.tier.code if user.tier_id and user.tier else ""
    team_name = user.team.name if user.team_id and user.team else ""
    return {
        "amount": float(amount),
        "remedy": remedy_type.code,
        "case": {
            "category": case.category,
            "age_hours": max((now - case.created_at).total_seconds() / 3600.0, 0.0),
            "remedies_total": float(case.remedies_total),
        },
        "customer": {
            "external_id": case.customer.external_id,
            "remedies_30d_total": float(history_total),
            "remedies_30d_count": history_count,
        },
        "agent": {
            "role": role_of(user),
            "tier": tier_code,
            "team": team_name,
            "tenure_days": max(
                (timezone.localdate(now) - timezone.localdate(user.date_joined)).days, 0
            ),
        },
        "incident": {
            "active": bool(incident and incident.active),
            "id": incident.id if incident and incident.active else 0,
        },
    }
