"""The one write path of the discretion decision.

``resolution_request`` loads the inputs, locks, calls the pure engine, and writes the
resolution, the budget movement, the escalation (when escalated), the timeline event and
the audit event in ONE transaction; routing is enqueued only on commit.
``resolution_preview`` runs the same inputs through the engine and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case, Customer, RemedyType, Resolution
from cases.services import case_event_add
from config.sql import Batch, insert, relate, select_one
from policies.evaluation import GENERATION_COLUMNS, GENERATION_TABLE, current_ruleset

from . import engine
from .budgets import LockedWindows, budget_spend, budget_windows_lock
from .escalations import escalation_open
from .models import BudgetWindow, User
from .selectors import effective_limit_get

ZERO = Decimal("0.00")


class CaseClosed(Exception):
    """Resolutions cannot be requested on a closed case (HTTP 409)."""


@dataclass(frozen=True)
class DecisionInputs:
    limit: engine.Limits | None
    limit_source: str | None
    usage: engine.Usage
    context: dict[str, Any]
    rule_hits: tuple[engine.RuleHit, ...]
    rule_versions: tuple[tuple[int, int], ...]


def resolution_request(
    *,
    case_id: int,
    acting_user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    reason: str,
    customer_message: str = "",
) -> Resolution:
    """Decide and record a request. Raises Case.DoesNotExist, CaseClosed.

    Locks (in this order, see ``discretion.budgets``): the case row, then the user's
    day and month budget windows for the remedy type.
    """
    now = timezone.now()
    with transaction.atomic():
        # Case lock: serializes requests and approvals on one case, so the per-case
        # total read below cannot change before this transaction commits.
        case = _case_lock(case_id)
        if case.status == Case.Status.CLOSED:
            raise CaseClosed(f"Case #{case.pk} is closed: reopen it to add a remedy.")
        day = timezone.localdate(now)
        windows = budget_windows_lock(user=acting_user, remedy_type=remedy_type, day=day)
        inputs = _gather(
            case=case,
            user=acting_user,
            remedy_type=remedy_type,
            amount=amount,
            now=now,
            windows=windows,
        )
        decision = engine.decide(
            remedy_name=remedy_type.name,
            amount=amount,
            limits=inputs.limit,
            usage=inputs.usage,
            rule_hits=inputs.rule_hits,
            currency=settings.DISCRETION_CURRENCY,
            monetary=remedy_type.monetary,
        )
        status = {
            "apply": Resolution.Status.APPLIED,
            "escalate": Resolution.Status.PENDING_APPROVAL,
            "reject": Resolution.Status.REJECTED,
        }[decision.outcome]
        applied = status == Resolution.Status.APPLIED
        resolution = insert(
            Resolution(
                case=case,
                agent=acting_user,
                remedy_type=remedy_type,
                requested_amount=amount,
                amount=amount,
                reason=reason,
                customer_message=customer_message,
                status=status,
                counts_against_budget=applied,
                decision=decision_record(decision, inputs),
                created_at=now,
                applied_at=now if applied else None,
                budget_day=day if applied else None,
            )
        )
        # From here, writes nobody reads back: one round trip on PostgreSQL. The budget
        # UPDATE goes last, so its row count (both windows, or BudgetExceeded) is checked.
        writes = Batch()
        if status == Resolution.Status.PENDING_APPROVAL:
            # Cached on the instance, so callers show it without a query.
            resolution.escalation = escalation_open(
                resolution=resolution, acting_user=acting_user, batch=writes
            )
        case_event_add(
            case=case,
            kind=f"resolution_{decision.outcome}",
            actor=acting_user,
            summary=decision.summary,
            data={
                "resolution": resolution.pk,
                "remedy_type": remedy_type.code,
                "amount": str(amount),
            },
            batch=writes,
        )
        audit_record(
            actor=acting_user,
            action=f"resolution.{decision.outcome}",
            object_type=ObjectType.RESOLUTION,
            object_id=resolution.pk,
            before=None,
            after={
                "case": case.pk,
                "remedy_type": remedy_type.code,
                "amount": str(amount),
                "status": status,
                "summary": decision.summary,
            },
            batch=writes,
        )
        if applied and amount > ZERO:
            assert inputs.limit is not None  # only a limit lets an amount above zero apply
            writes.add(*_case_total_add_sql(case_id=case.pk, amount=amount))
            budget_spend(
                windows=windows,
                amount=amount,
                daily_max=inputs.limit.daily_max,
                monthly_max=inputs.limit.monthly_max,
                batch=writes,
            )
        writes.run()
    return resolution


def resolution_preview(
    *, case_id: int, acting_user: User, remedy_type: RemedyType, amount: Decimal
) -> engine.Decision:
    """The decision the same request would get now. Reads only; locks and writes nothing."""
    now = timezone.now()
    case = Case.objects.select_related("customer").get(pk=case_id)
    inputs = _gather(case=case, user=acting_user, remedy_type=remedy_type, amount=amount, now=now)
    return engine.decide(
        remedy_name=remedy_type.name,
        amount=amount,
        limits=inputs.limit,
        usage=inputs.usage,
        rule_hits=inputs.rule_hits,
        currency=settings.DISCRETION_CURRENCY,
        monetary=remedy_type.monetary,
    )


def _gather(
    *,
    case: Case,
    user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    now,
    windows: LockedWindows | None = None,
) -> DecisionInputs:
    """Everything the engine needs, in a fixed, small number of queries."""
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
    case_used, history_total, history_count, rules_generation = _applied_totals(
        case=case, remedy_type=remedy_type, since=now - timedelta(days=30)
    )
    usage = engine.Usage(case_used=case_used, daily_used=daily_used, monthly_used=monthly_used)

    ruleset = current_ruleset(rules_generation)
    context = decision_context(
        case=case,
        user=user,
        remedy_type=remedy_type,
        amount=amount,
        now=now,
        history_total=history_total,
        history_count=history_count,
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
        limit_source=("agent" if row.agent_id else "tier") if row else None,
        usage=usage,
        context=context,
        rule_hits=hits,
        rule_versions=tuple(ruleset.versions),
    )


_CASE_LOCK_SQL = (
    f"SELECT {{columns}} FROM {Case._meta.db_table} c "
    f"JOIN {Customer._meta.db_table} cu ON cu.id = c.customer_id WHERE c.id = %s"
)


def _case_lock(case_id: int) -> Case:
    """Lock the case row (not the customer's) and load it with its customer, in one
    plain statement. Raises Case.DoesNotExist."""
    # SQLite has no row locks: its transactions hold the write lock (BEGIN IMMEDIATE).
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    loaded = select_one(_CASE_LOCK_SQL + lock, [case_id], ((Case, "c"), (Customer, "cu")))
    if loaded is None:
        raise Case.DoesNotExist(f"No case #{case_id}.")
    case, customer = loaded
    relate(case, "customer", customer)
    return case


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


def _case_total_add_sql(*, case_id: int, amount: Decimal) -> tuple[str, list[Any]]:
    # Plain SQL (every applied decision runs it); the CAST keeps SQLite's sum numeric.
    return (
        f"UPDATE {Case._meta.db_table} "
        "SET remedies_total = remedies_total + CAST(%s AS NUMERIC) WHERE id = %s",
        [amount, case_id],
    )


# The customer's total and count in one aggregate (half the planning of two), and the
# policy rules' generation joined in, so current_ruleset() needs no query of its own.
_TOTALS_SQL = f"""
SELECT
  (SELECT COALESCE(SUM(amount), 0) FROM cases_resolution
    WHERE case_id = %s AND remedy_type_id = %s AND status = %s),
  history.total, history.n, {", ".join(f"rules.{column}" for column in GENERATION_COLUMNS)}
FROM (
  SELECT COALESCE(SUM(r.amount), 0) AS total, COUNT(*) AS n
    FROM cases_resolution r JOIN cases_case c ON c.id = r.case_id
   WHERE c.customer_id = %s AND r.status = %s AND r.applied_at >= %s
) history, {GENERATION_TABLE} rules
"""


def _applied_totals(
    *, case: Case, remedy_type: RemedyType, since
) -> tuple[Decimal, Decimal, int, tuple]:
    """(this remedy's applied total on the case, the customer's applied total and count
    since ``since``, the policy rules' generation) in one round trip.

    Plain SQL: this runs on every decision, and building these three aggregates with the
    ORM cost more CPU than PostgreSQL spends answering them (bench/README.md). Run it
    after the case lock, so the per-case total sees every committed resolution.
    """
    since_db = connection.ops.adapt_datetimefield_value(since)
    with connection.cursor() as cursor:
        cursor.execute(
            _TOTALS_SQL,
            [
                case.pk,
                remedy_type.pk,
                Resolution.Status.APPLIED.value,
                case.customer_id,
                Resolution.Status.APPLIED.value,
                since_db,
            ],
        )
        case_used, history_total, history_count, *rules_generation = cursor.fetchone()
    return (
        _decimal(case_used),
        _decimal(history_total),
        int(history_count or 0),
        tuple(rules_generation),
    )


def _decimal(value) -> Decimal:
    # PostgreSQL returns Decimal; SQLite a number: both become an exact 2-place Decimal.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def decision_context(
    *,
    case: Case,
    user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    now,
    history_total: Decimal,
    history_count: int,
) -> dict[str, Any]:
    """The CEL context of the contract; the customer's 30-day history comes from the caller."""
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
            "role": "admin" if user.is_superuser else user.role,
            "tier": tier_code,
            "team": team_name,
            "tenure_days": max(
                (timezone.localdate(now) - timezone.localdate(user.date_joined)).days, 0
            ),
        },
    }


def decision_record(decision: engine.Decision, inputs: DecisionInputs) -> dict[str, Any]:
    """The decision as stored on the resolution: enough to explain and replay it."""
    return {
        **decision_payload(decision),
        "limit_source": inputs.limit_source,
        "rule_versions": [list(pair) for pair in inputs.rule_versions],
        "context": inputs.context,
    }


def decision_payload(decision: engine.Decision) -> dict[str, Any]:
    """The contract's ``decision`` object."""
    return {
        "outcome": decision.outcome,
        "summary": decision.summary,
        "checks": [
            {
                "name": check.name,
                "limit": _money(check.limit),
                "used": _money(check.used),
                "requested": _money(check.requested),
                "passed": check.passed,
            }
            for check in decision.checks
        ],
        "rules": [
            {
                "id": rule.id,
                "name": rule.name,
                "effect": rule.effect,
                "message": rule.message,
                "version": rule.version,
                "error": rule.error,
            }
            for rule in decision.rules
        ],
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))
