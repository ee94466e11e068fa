"""Backtest a draft policy rule (or an edit of one) against recent history.

Every resolution records its decision: the limit checks as they stood, the CEL context
and the rule versions evaluated. A replay re-decides each one with the *current* enabled
rules, once as they are (the baseline) and once with the draft added or the edited rule
swapped in (the proposal), through the same pure engine function the live path uses.
Comparing the two isolates the draft's effect; limits, budgets and the other rules are
held as they were recorded.

Cost: one streamed query (``values().iterator()``), each rule compiled once, two CEL
evaluations of the ruleset per resolution. 10,000 resolutions take about a second.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Resolution
from common.errors import Invalid
from common.money import money
from discretion import engine
from policies.context import ContextError, context_merge
from policies.evaluation import RuleResult, RuleSet, compile_rule, current_ruleset
from policies.expressions import ExpressionError, check_expression
from policies.models import PolicyRule

DRAFT_ID = 0  # a draft has no id yet; real ids start at 1
MAX_EXAMPLES = 25
CHUNK = 2000


@dataclass(frozen=True)
class RuleDraft:
    """A new rule (``rule_id`` None) or the edited state of an existing one."""

    expression: str
    effect: str
    name: str
    message: str
    priority: int
    enabled: bool
    rule_id: int | None = None


def rule_draft_build(*, rule_id: int | None = None, **fields: Any) -> RuleDraft:
    """Fill a draft from the request and, for an edit, the stored rule.

    Raises Invalid: ``rule_unknown`` (naming ``rule_id``) for an unknown rule,
    ``expression_invalid`` (naming ``expression``) for one that saving would refuse.
    """
    if rule_id is not None:
        rule = PolicyRule.objects.filter(pk=rule_id, deleted_at__isnull=True).first()
        if rule is None:
            raise Invalid(
                "That rule no longer exists.",
                code="rule_unknown",
                fields={"rule_id": [f"No policy rule {rule_id}."]},
            )
        base = {
            "expression": rule.expression,
            "effect": rule.effect,
            "name": rule.name,
            "message": rule.message,
            "priority": rule.priority,
            "enabled": rule.enabled,
        }
    else:
        base = {"name": "Draft rule", "message": "", "priority": 100, "enabled": True}
    merged = {**base, **{k: v for k, v in fields.items() if v is not None}}
    merged["message"] = merged.get("message") or merged["name"]
    try:
        check_expression(merged["expression"])
    except ExpressionError as exc:
        raise Invalid(
            exc.message, code="expression_invalid", fields={"expression": [exc.message]}
        ) from exc
    return RuleDraft(rule_id=rule_id, **merged)


def recorded_limit_checks(recorded: Iterable[Mapping[str, Any]]) -> tuple[engine.Check, ...]:
    """The limit checks a resolution recorded, as engine checks (the what-if reuses them).

    Raises KeyError, TypeError or InvalidOperation on a malformed record.
    """

    def dec(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return tuple(
        engine.Check(
            name=c["name"],
            limit=dec(c.get("limit")),
            used=dec(c.get("used")) or engine.ZERO,
            requested=dec(c.get("requested")) or engine.ZERO,
            passed=bool(c["passed"]),
        )
        for c in recorded
        if c.get("name") != "policy_rules"
    )


def _hit(r: RuleResult) -> engine.RuleHit:
    return engine.RuleHit(
        id=r.id,
        name=r.name,
        version=r.version,
        effect=r.effect,  # type: ignore[arg-type]
        message=r.message,
        error=r.error,
    )


def backtest_run(*, draft: RuleDraft, days: int = 30, now: datetime | None = None) -> dict:
    """Replay the resolutions created in the last ``days`` days with and without ``draft``.

    Read-only. Returns the report the API serves (see discretion.api.backtest).
    """
    started = time.perf_counter()
    now = now or timezone.now()
    since = now - timedelta(days=days)
    currency = settings.DISCRETION_CURRENCY

    baseline: RuleSet = current_ruleset()
    draft_rule = compile_rule(
        id=draft.rule_id if draft.rule_id is not None else DRAFT_ID,
        name=draft.name,
        version=0,  # "the draft", whatever version it would become
        effect=draft.effect,
        message=draft.message,
        expression=draft.expression,
        priority=draft.priority,
    )
    replaced_id = draft.rule_id if draft.rule_id is not None else DRAFT_ID
    draft_variables = draft_rule.variables
    # One evaluation per resolution: today's rules plus the draft together. "Before" reads
    # the results without the draft; "after" without the rule the draft replaces.
    combined = RuleSet([*baseline.rules, draft_rule])
    before_idx = [i for i, r in enumerate(combined.rules) if r is not draft_rule]
    after_idx = [
        i
        for i, r in enumerate(combined.rules)
        if (r is draft_rule and draft.enabled) or (r is not draft_rule and r.id != replaced_id)
    ]
    draft_idx = next(i for i, r in enumerate(combined.rules) if r is draft_rule)
    hit_cache: dict[int, engine.RuleHit] = {}

    def hits(results: list[RuleResult], indexes: list[int]) -> tuple[engine.RuleHit, ...]:
        out = []
        for i in indexes:
            result = results[i]
            if not result.matched:
                continue
            if result.error is not None:  # a fresh object each time: never cached
                out.append(_hit(result))
                continue
            hit = hit_cache.get(id(result))  # shared per rule by the RuleSet: stable ids
            if hit is None:
                hit = hit_cache[id(result)] = _hit(result)
            out.append(hit)
        return tuple(out)

    replayed = skipped = draft_matched = draft_errors = incomplete = 0
    recorded_drift = 0
    before_counts: Counter[str] = Counter()
    after_counts: Counter[str] = Counter()
    pairs: dict[tuple[str, str], list] = defaultdict(lambda: [0, engine.ZERO])
    agents: dict[int, list] = defaultdict(lambda: [0, engine.ZERO])
    examples: list[dict[str, Any]] = []
    amount_changed = engine.ZERO

    rows = (
        Resolution.objects.filter(created_at__gte=since, created_at__lte=now)
        .order_by("-created_at", "-id")
        .values_list(
            "id",
            "case_id",
            "agent_id",
            "requested_amount",
            "decision",
            "remedy_type__code",
            "remedy_type__name",
            "remedy_type__monetary",
        )
    )
    for rid, case_id, agent_id, amount, decision, code, remedy_name, monetary in rows.iterator(
        chunk_size=CHUNK
    ):
        recorded_context = decision.get("context") if isinstance(decision, dict) else None
        recorded_checks = decision.get("checks") if isinstance(decision, dict) else None
        if not isinstance(recorded_context, dict) or not isinstance(recorded_checks, list):
            skipped += 1  # recorded before decisions stored their inputs
            continue
        try:
            context = context_merge(recorded_context)
            checks = recorded_limit_checks(recorded_checks)
        except (ContextError, KeyError, TypeError, InvalidOperation):
            skipped += 1
            continue
        if any(
            name.split(".")[-1] not in recorded_context.get(name.split(".")[0], {})
            if "." in name
            else name not in recorded_context
            for name in draft_variables
        ):
            incomplete += 1  # missing values took their empty defaults

        no_limit = decision.get("limit_source", "") is None

        results = combined.evaluate(context)
        before, after = (
            engine.decide_from_checks(
                remedy_name=remedy_name,
                amount=amount,
                checks=checks,
                currency=currency,
                no_limit=no_limit,
                monetary=monetary,
                rule_hits=hits(results, indexes),
            )
            for indexes in (before_idx, after_idx)
        )
        replayed += 1
        before_counts[before.outcome] += 1
        after_counts[after.outcome] += 1
        if decision.get("outcome") and decision["outcome"] != before.outcome:
            recorded_drift += 1
        if results[draft_idx].matched:
            draft_matched += 1
            if results[draft_idx].error:
                draft_errors += 1
        if before.outcome == after.outcome:
            continue
        pair = pairs[(before.outcome, after.outcome)]
        pair[0] += 1
        pair[1] += amount
        amount_changed += amount
        agent = agents[agent_id]
        agent[0] += 1
        agent[1] += amount
        if len(examples) < MAX_EXAMPLES:
            examples.append(
                {
                    "resolution": rid,
                    "case": case_id,
                    "agent": agent_id,
                    "amount": money(amount),
                    "remedy_type": code,
                    "before": before.outcome,
                    "after": after.outcome,
                    "summary": after.summary,
                }
            )

    users = get_user_model().objects.in_bulk(list(agents))
    for example in examples:
        user = users.get(example["agent"])
        example["agent_name"] = user.label if user is not None else str(example["agent"])
    agent_rows = sorted(
        (
            {
                "id": agent_id,
                "name": users[agent_id].label if agent_id in users else str(agent_id),
                "count": count,
                "amount": money(total),
            }
            for agent_id, (count, total) in agents.items()
        ),
        key=lambda row: (-row["count"], row["id"]),
    )
    return {
        "days": days,
        "since": since,
        "until": now,
        "currency": currency,
        "draft": {
            **dataclasses.asdict(draft),
            "variables": sorted(draft_variables),
        },
        "replayed": replayed,
        "skipped": skipped,
        "incomplete_context": incomplete,
        "draft_matched": draft_matched,
        "draft_errors": draft_errors,
        "changed": sum(count for count, _ in pairs.values()),
        "amount_changed": money(amount_changed),
        "changes": [
            {"from": a, "to": b, "count": count, "amount": money(total)}
            for (a, b), (count, total) in sorted(pairs.items(), key=lambda kv: -kv[1][0])
        ],
        "outcomes_before": {k: before_counts.get(k, 0) for k in ("apply", "escalate", "reject")},
        "outcomes_after": {k: after_counts.get(k, 0) for k in ("apply", "escalate", "reject")},
        "recorded_differs_from_baseline": recorded_drift,
        "agents": agent_rows,
        "examples": examples,
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }
