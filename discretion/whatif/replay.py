"""What a limit change would have done: replay recent requests under a proposed limit.

The rule backtest (``discretion.decisions.backtest``) holds limits as recorded and
changes a rule; this holds the rules as recorded and changes a limit. Each resolution of
the agents in scope, of one remedy type, created in the last ``days`` days, is re-decided
by the same pure engine (``discretion.engine.decide``) with:

- the policy rule results it recorded (the rules that matched then, not today's);
- the given caps; a cap the caller does not give keeps the value recorded in that
  decision (so "change only the per-remedy cap" means exactly that);
- the usage it recorded (case total, day and month budgets), corrected by what the
  replay changed before it. Requests are replayed oldest first; the replay keeps, per
  agent and budget day, per agent and month, and per case, the running difference between
  what would have been applied on the agent's authority and what was, and adds it to the
  recorded usage of every later request in the same window. So a request that would now
  apply uses up budget a later one then lacks, and a request that would now escalate
  frees budget for the later ones.

What counts: ``spend_change`` is the change in what agents applied on their own
authority (what counts against their budgets): the requested amount of each replayed
request that would apply, minus the amount of each one that did apply that way. A request
that would now escalate is counted as not granted (nobody can know what the approver
would have decided), one that would now apply as granted in full. A deny rule rejects as
it did. Read-only: one streamed query of resolutions, plus one of the agents in scope.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone

from cases.models import RemedyType, Resolution
from common.money import ZERO, money
from discretion import engine
from discretion.decisions.backtest import recorded_limit_checks
from discretion.models import TrustLimit, TrustTier, User

MAX_CHANGED = 50  # the ``changed`` list is capped; ``changed_total`` counts them all
CHUNK = 2000
WINDOW_CAPS = ("per_case_max", "daily_max", "monthly_max")
_OUTCOME_OF_STATUS: dict[str, str] = {
    Resolution.Status.APPLIED: "apply",
    Resolution.Status.PENDING_APPROVAL: "escalate",
    Resolution.Status.DENIED: "escalate",
    Resolution.Status.REJECTED: "reject",
}


def what_if_agents(*, remedy_type: RemedyType, tier: TrustTier | None, agent: User | None):
    """(agent ids in scope, how many of the tier's agents were left out).

    A tier's agents with their own row for the remedy type are not governed by the tier's
    row, so a change of it would not change their decisions: they are left out.
    """
    if agent is not None:
        return [agent.pk], 0
    assert tier is not None  # exactly one of tier and agent (the API checks it)
    own = set(
        TrustLimit.objects.filter(remedy_type=remedy_type, agent__tier=tier).values_list(
            "agent_id", flat=True
        )
    )
    members = list(User.objects.filter(tier=tier).values_list("id", flat=True))
    return [pk for pk in members if pk not in own], len(own)


def _hits(recorded: Any) -> tuple[engine.RuleHit, ...]:
    if not isinstance(recorded, list):
        return ()
    return tuple(
        engine.RuleHit(
            id=int(r["id"]),
            name=str(r["name"]),
            version=int(r.get("version") or 0),
            effect=r["effect"],
            message=str(r.get("message") or ""),
            error=r.get("error"),
        )
        for r in recorded
    )


def _used(checks: Mapping[str, engine.Check], name: str) -> Decimal:
    check = checks.get(name)
    return check.used if check is not None else ZERO


def _cap(
    checks: Mapping[str, engine.Check], caps: Mapping[str, Decimal | None], name: str
) -> Decimal | None:
    """The cap given for the what-if, else the one recorded in the decision."""
    if name in caps:
        return caps[name]
    check = checks.get(name)
    return check.limit if check is not None else None


def what_if_run(
    *,
    remedy_type: RemedyType,
    per_remedy_max: Decimal,
    tier: TrustTier | None = None,
    agent: User | None = None,
    caps: Mapping[str, Decimal | None] | None = None,
    days: int = 30,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Replay the scope's requests of ``remedy_type`` from the last ``days`` days under
    ``per_remedy_max`` and the ``caps`` given (keys of WINDOW_CAPS; None = no cap).

    Returns the report of ``POST /api/v1/trust-limits/what-if/``. Writes nothing.
    """
    caps = dict(caps or {})
    unknown = set(caps) - set(WINDOW_CAPS)
    if unknown:
        raise TypeError(f"what_if_run cannot change {sorted(unknown)}")
    now = now or timezone.now()
    since = now - timedelta(days=days)
    currency = settings.DISCRETION_CURRENCY
    agent_ids, excluded = what_if_agents(remedy_type=remedy_type, tier=tier, agent=agent)

    recorded_counts: Counter[str] = Counter()
    replay_counts: Counter[str] = Counter()
    day_delta: dict[tuple[int, date], Decimal] = defaultdict(lambda: ZERO)
    month_delta: dict[tuple[int, date], Decimal] = defaultdict(lambda: ZERO)
    case_delta: dict[int, Decimal] = defaultdict(lambda: ZERO)
    spend_change = ZERO
    changed: list[dict[str, Any]] = []
    changed_total = skipped = 0

    rows = (
        Resolution.objects.filter(
            agent_id__in=agent_ids,
            remedy_type=remedy_type,
            created_at__gte=since,
            created_at__lte=now,
        )
        .order_by("created_at", "id")
        .values_list(
            "id",
            "case_id",
            "agent_id",
            "requested_amount",
            "amount",
            "status",
            "counts_against_budget",
            "budget_day",
            "created_at",
            "decision",
        )
    )
    for (
        rid,
        case_id,
        agent_id,
        requested,
        amount,
        status,
        own_authority,
        budget_day,
        created_at,
        decision,
    ) in rows.iterator(chunk_size=CHUNK):
        recorded = decision.get("checks") if isinstance(decision, dict) else None
        if not isinstance(recorded, list):
            skipped += 1  # recorded before decisions stored their checks
            continue
        try:
            by_name = {c.name: c for c in recorded_limit_checks(recorded)}
            hits = _hits(decision.get("rules"))
        except (KeyError, TypeError, ValueError, InvalidOperation):
            skipped += 1
            continue
        was = decision.get("outcome") or _OUTCOME_OF_STATUS.get(status, "escalate")

        day = budget_day or timezone.localdate(created_at)
        month = day.replace(day=1)
        usage = engine.Usage(
            case_used=max(_used(by_name, "per_case_max") + case_delta[case_id], ZERO),
            daily_used=max(_used(by_name, "daily_max") + day_delta[(agent_id, day)], ZERO),
            monthly_used=max(_used(by_name, "monthly_max") + month_delta[(agent_id, month)], ZERO),
        )
        limits = engine.Limits(
            per_remedy_max=per_remedy_max,
            per_case_max=_cap(by_name, caps, "per_case_max"),
            daily_max=_cap(by_name, caps, "daily_max"),
            monthly_max=_cap(by_name, caps, "monthly_max"),
        )
        would = engine.decide(
            remedy_name=remedy_type.name,
            amount=requested,
            limits=limits,
            usage=usage,
            rule_hits=hits,
            currency=currency,
            monetary=remedy_type.monetary,
        )
        recorded_counts[was] += 1
        replay_counts[would.outcome] += 1

        spent_then = amount if own_authority else ZERO
        spent_now = requested if would.outcome == "apply" else ZERO
        granted_then = amount if status == Resolution.Status.APPLIED else ZERO
        if would.outcome == "apply":
            granted_now = requested
        elif would.outcome == was:
            granted_now = granted_then
        else:
            granted_now = ZERO
        day_delta[(agent_id, day)] += spent_now - spent_then
        month_delta[(agent_id, month)] += spent_now - spent_then
        case_delta[case_id] += granted_now - granted_then
        spend_change += spent_now - spent_then

        if would.outcome == was:
            continue
        changed_total += 1
        if len(changed) < MAX_CHANGED:
            changed.append(
                {
                    "resolution": rid,
                    "case": case_id,
                    "agent": agent_id,
                    "amount": money(requested),
                    "created_at": created_at.isoformat(),
                    "was": was,
                    "would_be": would.outcome,
                    "summary": would.summary,
                }
            )

    requests = sum(recorded_counts.values())
    return {
        "days": days,
        "since": since.isoformat(),
        "until": now.isoformat(),
        "currency": currency,
        "remedy_type": remedy_type.code,
        "tier": tier.code if tier is not None else None,
        "agent": agent.pk if agent is not None else None,
        "agents": len(agent_ids),
        "excluded_agents": excluded,
        "requests": requests,
        "would_apply": replay_counts["apply"],
        "would_escalate": replay_counts["escalate"],
        "would_reject": replay_counts["reject"],
        "applied_now": recorded_counts["apply"],
        "escalated_now": recorded_counts["escalate"],
        "rejected_now": recorded_counts["reject"],
        "spend_change": money(spend_change),
        "skipped": skipped,
        "changed_total": changed_total,
        "changed_limit": MAX_CHANGED,
        "changed": changed,
    }


def what_if_sentence(report: Mapping[str, Any]) -> str:
    """The report in one line: "Over the last 30 days: 12 more would have applied,
    3 fewer escalated, spend +340.00." (what the limit matrix and the proposals show)."""
    days = report["days"]
    head = f"Over the last {days} day{'s' if days != 1 else ''}"
    if not report["requests"]:
        return f"{head}: no requests to replay."
    applied = report["would_apply"] - report["applied_now"]
    escalated = report["would_escalate"] - report["escalated_now"]
    parts = []
    if applied:
        parts.append(f"{abs(applied)} {'more' if applied > 0 else 'fewer'} would have applied")
    if escalated:
        parts.append(f"{abs(escalated)} {'more' if escalated > 0 else 'fewer'} escalated")
    if not parts and report["changed_total"]:
        n = report["changed_total"]
        parts.append(
            f"as many would have applied, but {n} request{'s' if n != 1 else ''} "
            "would change outcome"
        )
    if not parts:
        return f"{head}: no outcome of {report['requests']} requests would change."
    spend = Decimal(report["spend_change"])
    sign = "+" if spend > 0 else ""
    parts.append(f"spend {sign}{report['spend_change']}")
    return f"{head}: " + ", ".join(parts) + "."
